/**
 * The validity window of a rotating key, in seconds since the epoch: usable from `notBefore`
 * (0 or absent: always) until `notAfter` (absent: until another key replaces it and it is removed).
 */
export interface KeyValidity {
  readonly kid: string;
  readonly notBefore?: number;
  readonly notAfter?: number;
}

/** Seconds since the epoch, the unit of `notBefore` and `notAfter`. */
export function epochSeconds(at: Date = new Date()): number {
  return Math.floor(at.getTime() / 1000);
}

/**
 * Whether a key is still accepted at `at`: not past its `notAfter`. Its `notBefore` is not
 * checked: a region never signs with a key before it, and accepting it a little early keeps a
 * clock that lags the region's from refusing a freshly activated key.
 */
export function isKeyAccepted(key: KeyValidity, at: number): boolean {
  return key.notAfter === undefined || at < key.notAfter;
}

/**
 * The key to sign or encrypt with at `at`: the newest (greatest `notBefore`, the later one listed
 * on a tie) among those active, or, when none is active yet, the one that activates first.
 * Undefined when every key has expired.
 */
export function activeKey<K extends KeyValidity>(keys: readonly K[], at: number): K | undefined {
  let newest: K | undefined;
  let earliestFuture: K | undefined;
  for (const key of keys) {
    if (!isKeyAccepted(key, at)) continue;
    const from = key.notBefore ?? 0;
    if (from <= at) {
      if (newest === undefined || from >= (newest.notBefore ?? 0)) newest = key;
    } else if (earliestFuture === undefined || from < (earliestFuture.notBefore ?? 0)) {
      earliestFuture = key;
    }
  }
  return newest ?? earliestFuture;
}

/** The key named `kid`, if it is listed and still accepted at `at`. */
export function acceptedKey<K extends KeyValidity>(
  keys: readonly K[],
  kid: string | undefined,
  at: number,
): K | undefined {
  if (kid === undefined) return undefined;
  return keys.find((k) => k.kid === kid && isKeyAccepted(k, at));
}
