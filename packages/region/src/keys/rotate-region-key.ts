import {
  epochSeconds,
  generateKeyPairJwk,
  isKeyAccepted,
  type KeyValidity,
} from '@domicile/protocol';
import type { RegionKey, RegionKeyPurpose, RegionKeySet } from './region-keys.js';

/** When a rotated key starts and when the keys it replaces stop being accepted. */
export interface RotationTimes {
  /** Seconds since the epoch; default now. */
  readonly now?: number;
  /** Seconds from now until the new key signs or is encrypted to (default 0). */
  readonly activateAfter?: number;
  /** Seconds after the new key activates until the keys it replaces stop being accepted. */
  readonly retireAfter: number;
}

/**
 * Adds a new key for a purpose (a file key, with its private half) and gives each key it
 * replaces a `notAfter`: they keep verifying and decrypting until then, so anything made with
 * them (and a device holding the old directory) still works meanwhile. Keys already expired are
 * dropped. Returns the new key set and the new key's kid; the caller saves it and signs the
 * directory again.
 */
export async function rotateRegionKey(
  keys: RegionKeySet,
  purpose: RegionKeyPurpose,
  times: RotationTimes,
): Promise<{ keys: RegionKeySet; key: RegionKey }> {
  const pair = await generateKeyPairJwk(purpose === 'encryption' ? 'enc' : 'sig');
  return withRotatedKey(keys, purpose, pair.privateJwk, times);
}

/**
 * {@link rotateRegionKey} with a key made elsewhere: a key pair made in the HSM, listed by its
 * public half alone (no `d`), its `kid` the label it has in the token.
 */
export function withRotatedKey(
  keys: RegionKeySet,
  purpose: RegionKeyPurpose,
  made: Omit<RegionKey, 'notBefore' | 'notAfter'>,
  times: RotationTimes,
): { keys: RegionKeySet; key: RegionKey } {
  const now = times.now ?? epochSeconds();
  const notBefore = now + (times.activateAfter ?? 0);
  const retireAt = notBefore + times.retireAfter;
  const key: RegionKey = { ...made, notBefore };
  const kept = keys[purpose]
    .filter((k) => isKeyAccepted(k, now))
    .map((k) => ({ ...k, notAfter: Math.min(k.notAfter ?? retireAt, retireAt) }));
  return { keys: { ...keys, [purpose]: [...kept, key] }, key };
}

/** How a key's validity reads in the CLI: ISO times, or "open". */
export function describeValidity(key: KeyValidity): string {
  const iso = (s: number | undefined): string =>
    s === undefined ? 'open' : new Date(s * 1000).toISOString();
  return `${key.kid} from ${iso(key.notBefore ?? 0)} until ${iso(key.notAfter)}`;
}
