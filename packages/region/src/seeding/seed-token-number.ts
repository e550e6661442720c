import { highBound, lowBound, withLuhnCheckDigit, type PrefixRange } from '@domicile/protocol';

const MIDDLE_DIGITS = 7;
const PER_PREFIX = 10 ** MIDDLE_DIGITS;

/**
 * The token number of seeded token `index`: the region's first token range, counted up from its
 * low bound (an 8-digit prefix, 7 digits, the Luhn digit). Deterministic, so a load generator
 * acting as the card network can address any seeded token without reading the database; tokens
 * drawn at random by tokenization may collide with one, and then simply draw again.
 */
export function seedTokenNumber(ranges: readonly PrefixRange[], index: number): string {
  const range = ranges[0];
  if (range === undefined) throw new RangeError('the region has no token range');
  const prefix = Number(lowBound(range.from)) + Math.floor(index / PER_PREFIX);
  if (!Number.isSafeInteger(index) || index < 0 || prefix > Number(highBound(range.to))) {
    throw new RangeError(`seeded token ${index} does not fit the token range`);
  }
  return withLuhnCheckDigit(
    `${String(prefix).padStart(8, '0')}${String(index % PER_PREFIX).padStart(MIDDLE_DIGITS, '0')}`,
  );
}
