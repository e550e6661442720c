import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  type CryptoKey,
  type JWK,
  type ProtectedHeaderParameters,
} from 'jose';
import { DomicileError, type ErrorCode } from '../errors/index.js';
import { CONTENT_ENCRYPTION, KEY_AGREEMENT_ALG, SIGNING_ALG } from './algorithms.js';
import { importKey, toPublicJwk, type PrivateJwk, type PublicJwk } from './keys.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Signs a JSON payload as a compact JWS (ES256) with `typ` and the signer's `kid`. */
export async function signJson(payload: unknown, key: PrivateJwk, typ: string): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: SIGNING_ALG, typ, kid: key.kid })
    .sign(await importKey(key, SIGNING_ALG));
}

/**
 * Verifies a compact JWS against one expected key and `typ`, and returns its JSON payload. Any
 * failure is `failCode` with a fixed message: which check failed is only in `cause`.
 */
export async function verifyJson(
  jws: string,
  key: PublicJwk,
  typ: string,
  failCode: ErrorCode = 'SIGNATURE_INVALID',
): Promise<unknown> {
  try {
    const { payload, protectedHeader } = await compactVerify(
      jws,
      await importKey(key, SIGNING_ALG),
      { algorithms: [SIGNING_ALG] },
    );
    if (protectedHeader.typ !== typ)
      throw new Error(`unexpected typ ${String(protectedHeader.typ)}`);
    return JSON.parse(decoder.decode(payload));
  } catch (cause) {
    throw new DomicileError(failCode, { cause });
  }
}

/** Encrypts a JSON payload (or a string such as a nested JWS) to a recipient's ECDH-ES public key. */
export async function encryptJson(
  payload: unknown,
  recipient: PublicJwk,
  typ: string,
): Promise<string> {
  const plaintext = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return (
    new CompactEncrypt(encoder.encode(plaintext))
      .setProtectedHeader({
        alg: KEY_AGREEMENT_ALG,
        enc: CONTENT_ENCRYPTION,
        typ,
        kid: recipient.kid,
      })
      // Only ever the public half: a private JWK passed by mistake must not change the import.
      .encrypt(await importKey(toPublicJwk(recipient), KEY_AGREEMENT_ALG))
  );
}

/**
 * Decrypts a compact JWE made by `encryptJson`; returns the plaintext as text. The key is a private
 * JWK, or a WebCrypto ECDH key (a browser wallet's, which cannot be exported).
 */
export async function decryptText(
  jwe: string,
  key: PrivateJwk | CryptoKey,
  typ: string,
  failCode: ErrorCode,
): Promise<string> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(
      jwe,
      'kty' in key ? await importKey(key, KEY_AGREEMENT_ALG) : key,
      {
        keyManagementAlgorithms: [KEY_AGREEMENT_ALG],
        contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
      },
    );
    if (protectedHeader.typ !== typ)
      throw new Error(`unexpected typ ${String(protectedHeader.typ)}`);
    return decoder.decode(plaintext);
  } catch (cause) {
    throw new DomicileError(failCode, { cause });
  }
}

/** Reads a compact JOSE object's protected header without trusting it (to pick a key by `kid`). */
export function peekHeader(compact: string): ProtectedHeaderParameters | undefined {
  try {
    return decodeProtectedHeader(compact);
  } catch {
    return undefined;
  }
}

export type { JWK };
