import { randomInt } from 'node:crypto';
import { highBound, lowBound, withLuhnCheckDigit, type PrefixRange } from '@domicile/protocol';

export const TOKEN_LENGTH = 16;

/**
 * Draws a token number (device account number) from the region's token ranges: a random 8-digit
 * prefix inside a range, random middle digits, and the Luhn check digit. Uniqueness is the
 * database's (credentials.token_number is unique); callers retry on a collision.
 */
export function drawTokenNumber(ranges: readonly PrefixRange[]): string {
  const range = ranges[randomInt(ranges.length)];
  if (range === undefined) throw new Error('no token range');
  const low = Number(lowBound(range.from));
  const high = Number(highBound(range.to));
  const prefix = String(low + randomInt(high - low + 1)).padStart(8, '0');
  let middle = '';
  for (let i = prefix.length; i < TOKEN_LENGTH - 1; i++) middle += String(randomInt(10));
  return withLuhnCheckDigit(prefix + middle);
}
