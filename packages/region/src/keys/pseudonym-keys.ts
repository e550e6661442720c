import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/**
 * The HMAC keys that come from the key file's `pseudonymKey`, as KeyObjects. Given raw bytes,
 * `createHmac` checks them for KeyObject and CryptoKey by throwing and catching two errors, which
 * costs more than the HMAC itself; the code keys also cost an HKDF each. Made once per key file
 * instead: a pseudonym about 18 → 3 µs, a code hash about 46 → 4 µs.
 */
export interface PseudonymKeys {
  /** Pairwise pseudonyms of redirect subjects: `pseudonymKey` itself. */
  readonly pseudonym: KeyObject;
  /** Hashes of ID&V one-time codes: derived under their own HKDF label (RFC 5869). */
  readonly oneTimeCode: KeyObject;
  /** Hashes of join codes: derived under their own HKDF label, never the ID&V codes' key. */
  readonly joinCode: KeyObject;
}

interface Secrets {
  /** 32 bytes, base64url (`RegionKeySet['secrets']`). */
  readonly pseudonymKey: string;
}

// Keyed by the key file's secrets object, which lives as long as the region; the source string
// is kept to notice a secrets object whose key was replaced in place.
const made = new WeakMap<Secrets, { readonly source: string; readonly keys: PseudonymKeys }>();

function derived(ikm: Buffer, label: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), label, 32)));
}

/** The HMAC keys of a key file's secrets, made on first use and kept with the secrets object. */
export function pseudonymKeysOf(secrets: Secrets): PseudonymKeys {
  const cached = made.get(secrets);
  if (cached !== undefined && cached.source === secrets.pseudonymKey) return cached.keys;
  const ikm = Buffer.from(secrets.pseudonymKey, 'base64url');
  const keys: PseudonymKeys = {
    pseudonym: createSecretKey(ikm),
    oneTimeCode: derived(ikm, 'domicile one-time code'),
    joinCode: derived(ikm, 'domicile join code'),
  };
  made.set(secrets, { source: secrets.pseudonymKey, keys });
  return keys;
}
