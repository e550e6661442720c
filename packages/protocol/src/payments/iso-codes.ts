import { DomicileError } from '../errors/index.js';

/** A currency by its ISO 4217 numeric code and minor-unit exponent. */
export interface Currency {
  readonly alpha: string;
  readonly numeric: string;
  readonly exponent: number;
}

// A working subset of ISO 4217 and ISO 3166-1 for the sandbox and the CLI; numeric codes are
// accepted as they are, so a currency or country missing here can still be used by number.
const CURRENCIES: readonly Currency[] = [
  { alpha: 'USD', numeric: '840', exponent: 2 },
  { alpha: 'EUR', numeric: '978', exponent: 2 },
  { alpha: 'CNY', numeric: '156', exponent: 2 },
  { alpha: 'GBP', numeric: '826', exponent: 2 },
  { alpha: 'JPY', numeric: '392', exponent: 0 },
  { alpha: 'CHF', numeric: '756', exponent: 2 },
  { alpha: 'CAD', numeric: '124', exponent: 2 },
  { alpha: 'HKD', numeric: '344', exponent: 2 },
];

const COUNTRIES: Readonly<Record<string, string>> = {
  US: '840',
  CN: '156',
  FR: '250',
  DE: '276',
  GB: '826',
  JP: '392',
  IT: '380',
  ES: '724',
  NL: '528',
  CH: '756',
  CA: '124',
  HK: '344',
};

function invalid(field: string, expected: string): DomicileError {
  return new DomicileError('VALIDATION_FAILED', { details: { field, expected } });
}

/** A currency by ISO 4217 alpha code (`USD`) or numeric code (`840`); unknown numerics get exponent 2. */
export function currencyOf(code: string): Currency {
  const upper = code.toUpperCase();
  const known = CURRENCIES.find((c) => c.alpha === upper || c.numeric === upper);
  if (known !== undefined) return known;
  if (/^\d{3}$/.test(code)) return { alpha: code, numeric: code, exponent: 2 };
  throw invalid('currency', 'an ISO 4217 code');
}

/** An ISO 3166-1 numeric country code from an alpha-2 code (`US`) or a numeric one (`840`). */
export function countryNumericOf(code: string): string {
  if (/^\d{3}$/.test(code)) return code;
  const numeric = COUNTRIES[code.toUpperCase()];
  if (numeric === undefined) throw invalid('country', 'an ISO 3166-1 alpha-2 or numeric code');
  return numeric;
}

/**
 * An amount written in major units (`12.34`) as minor units of the currency (1234), exactly:
 * no floating point, and no more decimals than the currency has.
 */
export function parseAmount(text: string, currency: Currency): number {
  const match = /^(\d{1,10})(?:\.(\d+))?$/.exec(text.trim());
  const whole = match?.[1];
  const fraction = match?.[2] ?? '';
  if (whole === undefined || fraction.length > currency.exponent)
    throw invalid('amount', `a number with at most ${currency.exponent} decimals`);
  return (
    Number(whole) * 10 ** currency.exponent + Number(fraction.padEnd(currency.exponent, '0') || '0')
  );
}

/** Minor units as text in major units (`1234` USD → `12.34 USD`), for people. */
export function formatAmount(minor: number, currencyNumeric: string): string {
  const currency = currencyOf(currencyNumeric);
  const text =
    currency.exponent === 0
      ? String(minor)
      : `${Math.floor(minor / 10 ** currency.exponent)}.${String(minor % 10 ** currency.exponent).padStart(currency.exponent, '0')}`;
  return `${text} ${currency.alpha}`;
}
