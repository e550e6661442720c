import { createHash } from 'node:crypto';
import {
  isPublicP256Jwk,
  jwkThumbprint,
  lruGet,
  type JWK,
  type JoseHeader,
} from '@domicile/protocol';

/** Device keys remembered at once: a device sends a burst of requests (a provisioning flow) with one key. */
const MAX_KEYS = 10_000;

const thumbprints = new Map<string, Promise<string>>();

/**
 * The key resolver of a DPoP proof (RFC 9449 §4.3 check 5: the signature verifies with the key
 * in its own `jwk` header), like jose's `EmbeddedJWK`. Only a public P-256 key is accepted;
 * anything else fails the verification, and so does a point off the curve (the verifier
 * imports each key once and refuses such a point).
 */
export function embeddedDeviceKey(header: JoseHeader): JWK {
  const jwk: unknown = header.jwk;
  if (!isPublicP256Jwk(jwk))
    throw new TypeError('"jwk" (JSON Web Key) header parameter must be a public P-256 key');
  return jwk;
}

/** RFC 7638 thumbprint of a public P-256 device key, computed once per key. */
export function deviceKeyThumbprint(jwk: JWK): Promise<string> {
  if (!isPublicP256Jwk(jwk)) return jwkThumbprint(jwk);
  return lruGet(thumbprints, `${jwk.x}.${jwk.y}`, MAX_KEYS, () =>
    Promise.resolve(p256Thumbprint(jwk.x, jwk.y)),
  );
}

/**
 * RFC 7638 §3.2 for an EC key: SHA-256 of its required members in lexicographic order, no
 * whitespace — the bytes jose's `calculateJwkThumbprint` hashes, without its WebCrypto digest (an
 * asynchronous job that cost more than the hash; each new device, a redirected one at the owning
 * region too, pays it in its first request).
 */
function p256Thumbprint(x: string, y: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
}
