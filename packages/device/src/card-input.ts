import {
  DomicileError,
  isCardNumber,
  isExpired,
  type CardNetwork,
  type api,
} from '@domicile/protocol';

/** A card as the user enters it. `expiry` is `{ month, year }` or `MM/YY` / `MM/YYYY`. */
export interface CardInput {
  readonly pan: string;
  readonly expiry: api.Expiry | string;
  readonly cvv: string;
  readonly name: string;
}

/**
 * The card network from the number's leading digits (ISO/IEC 7812 IIN ranges):
 * 4 Visa; 51–55 and 2221–2720 Mastercard; 62 UnionPay; 34, 37 American Express.
 */
export function networkOf(pan: string): CardNetwork | undefined {
  const two = Number(pan.slice(0, 2));
  const four = Number(pan.slice(0, 4));
  if (pan.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 62) return 'unionpay';
  if (two === 34 || two === 37) return 'amex';
  return undefined;
}

function invalid(field: string): DomicileError {
  // Only the field's name: the value may be a card number or a CVV.
  return new DomicileError('VALIDATION_FAILED', { details: { field } });
}

function parseExpiry(expiry: api.Expiry | string): api.Expiry {
  if (typeof expiry !== 'string')
    return { month: expiry.month, year: expiry.year < 100 ? 2000 + expiry.year : expiry.year };
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  if (match === null) throw invalid('expiry');
  const year = Number(match[2]);
  return { month: Number(match[1]), year: year < 100 ? 2000 + year : year };
}

/**
 * Checks and normalises what the user typed into the card details the owning region receives:
 * digits only, Luhn-valid, a known network, a month 1–12 not in the past, a 3–4 digit CVV
 * (4 for American Express), a name.
 */
export function parseCardInput(
  input: CardInput,
  now = new Date(),
): { details: api.CardDetails; network: CardNetwork } {
  const pan = input.pan.replace(/[\s-]/g, '');
  if (!isCardNumber(pan)) throw invalid('pan');
  const network = networkOf(pan);
  if (network === undefined) throw new DomicileError('CARD_NOT_SUPPORTED');
  const expiry = parseExpiry(input.expiry);
  if (
    !Number.isInteger(expiry.month) ||
    expiry.month < 1 ||
    expiry.month > 12 ||
    expiry.year > 2099 ||
    isExpired(expiry, now)
  )
    throw invalid('expiry');
  const cvv = input.cvv.trim();
  if (!(network === 'amex' ? /^\d{4}$/ : /^\d{3}$/).test(cvv)) throw invalid('cvv');
  const name = input.name.trim();
  if (name.length === 0 || name.length > 120) throw invalid('name');
  return { details: { pan, expiry, cvv, name }, network };
}
