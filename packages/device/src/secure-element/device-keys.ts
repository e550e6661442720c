import type { KeyPair } from 'dpop';
import type { CryptoKey } from 'jose';
import {
  KEY_AGREEMENT_ALG,
  SIGNING_ALG,
  jwkThumbprint,
  type KeyUse,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';

/**
 * The device's two P-256 keys as WebCrypto keys, whoever keeps them: the wallet file (Node) holds
 * them as JWKs and imports them here; a browser generates them non-extractable and keeps the
 * `CryptoKey` objects themselves in IndexedDB, so their private halves can never be read out.
 */
export interface DeviceKeys {
  /** ES256 (DPoP proofs, RFC 9449): the private key signs only. */
  readonly signing: KeyPair;
  /** ECDH-ES (provisioning data JWEs): the private key only derives. */
  readonly encryption: { readonly privateKey: CryptoKey; readonly publicKey: CryptoKey };
}

const EC_SIGN = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_DERIVE = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** Fresh device keys whose private halves WebCrypto refuses to export. */
export async function generateDeviceKeys(): Promise<DeviceKeys> {
  const [signing, encryption] = await Promise.all([
    crypto.subtle.generateKey(EC_SIGN, false, ['sign', 'verify']),
    crypto.subtle.generateKey(EC_DERIVE, false, ['deriveBits']),
  ]);
  return { signing, encryption };
}

/** Device keys from the wallet file's JWKs, imported non-extractable. */
export async function importDeviceKeys(jwks: {
  readonly signing: PrivateJwk;
  readonly encryption: PrivateJwk;
}): Promise<DeviceKeys> {
  const pair = async (jwk: PrivateJwk, alg: typeof EC_SIGN | typeof EC_DERIVE) => {
    const { kty, crv, x, y, d } = jwk;
    const sign = alg.name === 'ECDSA';
    const [privateKey, publicKey] = await Promise.all([
      crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, alg, false, [
        sign ? 'sign' : 'deriveBits',
      ]),
      crypto.subtle.importKey('jwk', { kty, crv, x, y }, alg, true, sign ? ['verify'] : []),
    ]);
    return { privateKey, publicKey };
  };
  const [signing, encryption] = await Promise.all([
    pair(jwks.signing, EC_SIGN),
    pair(jwks.encryption, EC_DERIVE),
  ]);
  return { signing, encryption };
}

/** A public key as the directory and the regions see it: `kid` its RFC 7638 thumbprint. */
export async function publicJwkOf(key: CryptoKey, use: KeyUse): Promise<PublicJwk> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', key);
  const jwk = { kty, crv, x, y } as PublicJwk;
  return {
    ...jwk,
    kid: await jwkThumbprint(jwk),
    alg: use === 'sig' ? SIGNING_ALG : KEY_AGREEMENT_ALG,
    use,
  };
}
