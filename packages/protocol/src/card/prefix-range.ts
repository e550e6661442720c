/**
 * Ranges of card (or token) numbers by their leading digits, as a BIN/IIN table holds them:
 * `{ from: "400000", to: "449999" }` covers every number whose first six digits fall between.
 * Bounds of 6 to 8 digits are normalised to 8 so ranges of different lengths compare.
 */
export interface PrefixRange {
  readonly from: string;
  readonly to: string;
}

export const PREFIX_DIGITS = 8;

export function lowBound(prefix: string): string {
  return prefix.padEnd(PREFIX_DIGITS, '0').slice(0, PREFIX_DIGITS);
}

export function highBound(prefix: string): string {
  return prefix.padEnd(PREFIX_DIGITS, '9').slice(0, PREFIX_DIGITS);
}

/** True when every number starting with `prefix` lies inside `range`. */
export function rangeCovers(range: PrefixRange, prefix: string): boolean {
  return lowBound(range.from) <= lowBound(prefix) && highBound(prefix) <= highBound(range.to);
}

/** True when some number starting with `prefix` lies inside `range`. */
export function rangeTouches(range: PrefixRange, prefix: string): boolean {
  return lowBound(prefix) <= highBound(range.to) && lowBound(range.from) <= highBound(prefix);
}

export function rangesOverlap(a: PrefixRange, b: PrefixRange): boolean {
  return lowBound(a.from) <= highBound(b.to) && lowBound(b.from) <= highBound(a.to);
}

export function isValidRange(range: PrefixRange): boolean {
  return (
    /^\d{6,8}$/.test(range.from) &&
    /^\d{6,8}$/.test(range.to) &&
    lowBound(range.from) <= highBound(range.to)
  );
}
