import { definedProps } from '../util/index.js';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { KEY_AGREEMENT_ALG, SIGNING_ALG } from './algorithms.js';

/** A public JWK as it appears in the directory or a device registration. */
export interface PublicJwk extends JWK {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  use?: KeyUse;
}

export interface PrivateJwk extends PublicJwk {
  d: string;
}

export type KeyUse = 'sig' | 'enc';

export interface KeyPairJwk {
  readonly privateJwk: PrivateJwk;
  readonly publicJwk: PublicJwk;
}

/** Generates a P-256 key for ES256 signatures or ECDH-ES key agreement; `kid` is its RFC 7638 thumbprint. */
export async function generateKeyPairJwk(use: KeyUse): Promise<KeyPairJwk> {
  const alg = use === 'sig' ? SIGNING_ALG : KEY_AGREEMENT_ALG;
  const { privateKey } = await generateKeyPair(use === 'sig' ? SIGNING_ALG : 'ECDH-ES', {
    crv: 'P-256',
    extractable: true,
  });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const privateJwk = { ...jwk, kid, alg, use } as PrivateJwk;
  return { privateJwk, publicJwk: toPublicJwk(privateJwk) };
}

export function toPublicJwk(jwk: PrivateJwk | PublicJwk): PublicJwk {
  const { kty, crv, x, y, kid, alg, use } = jwk;
  return { kty, crv, x, y, kid, ...definedProps({ alg, use }) };
}

/** RFC 7638 SHA-256 thumbprint: the `jkt` that binds DPoP proofs and redirect assertions to a device key. */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  const { kty, crv, x, y } = jwk;
  return calculateJwkThumbprint({ kty, crv, x, y } as JWK, 'sha256');
}

export function isPublicP256Jwk(value: unknown): value is Omit<PublicJwk, 'kid'> {
  if (typeof value !== 'object' || value === null) return false;
  const jwk = value as Record<string, unknown>;
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string' &&
    !('d' in jwk)
  );
}

// Importing a JWK costs an EC point validation; keys are long-lived, so each is imported once.
const imported = new Map<string, Promise<CryptoKey>>();

export function importKey(jwk: JWK, alg: string): Promise<CryptoKey> {
  const cacheKey = `${alg}:${jwk.x ?? ''}:${jwk.y ?? ''}:${jwk.d === undefined ? 'pub' : 'priv'}`;
  let key = imported.get(cacheKey);
  if (key === undefined) {
    key = importJWK(jwk, alg) as Promise<CryptoKey>;
    imported.set(cacheKey, key);
    key.catch(() => imported.delete(cacheKey));
  }
  return key;
}
