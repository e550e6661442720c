import { importJWK, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';
import { SIGNING_ALG, isPublicP256Jwk, jwkThumbprint } from '@domicile/protocol';

/** Device keys remembered at once: a device sends a burst of requests (a provisioning flow) with one key. */
const MAX_KEYS = 10_000;

interface DeviceKey {
  readonly key: Promise<CryptoKey>;
  readonly jkt: Promise<string>;
}

const recent = new Map<string, DeviceKey>();

function entryOf(jwk: { x: string; y: string }): DeviceKey {
  const id = `${jwk.x}.${jwk.y}`;
  let entry = recent.get(id);
  if (entry === undefined) {
    // A JWK without `k` imports as a CryptoKey, never as raw bytes.
    const key: Promise<CryptoKey> = importJWK(
      { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      SIGNING_ALG,
    );
    entry = { key, jkt: jwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }) };
    // A point that is not on the curve fails to import: it is not kept.
    key.catch(() => recent.delete(id));
    if (recent.size >= MAX_KEYS) {
      const oldest = recent.keys().next();
      if (oldest.done !== true) recent.delete(oldest.value);
    }
  } else {
    recent.delete(id);
  }
  recent.set(id, entry);
  return entry;
}

/**
 * The key resolver of a DPoP proof (RFC 9449 §4.3 check 5: the signature verifies with the key
 * in its own `jwk` header), like jose's `EmbeddedJWK`, but importing each device key once:
 * importing validates the EC point, which cost more than verifying the signature itself. Only a
 * public P-256 key is accepted; anything else fails the verification.
 */
export function embeddedDeviceKey(header: JWTHeaderParameters): Promise<CryptoKey> {
  const jwk: unknown = header.jwk;
  if (!isPublicP256Jwk(jwk))
    return Promise.reject(
      new TypeError('"jwk" (JSON Web Key) header parameter must be a public P-256 key'),
    );
  return entryOf(jwk).key;
}

/** RFC 7638 thumbprint of a public P-256 device key, computed once per key. */
export function deviceKeyThumbprint(jwk: JWK): Promise<string> {
  return isPublicP256Jwk(jwk) ? entryOf(jwk).jkt : jwkThumbprint(jwk);
}
