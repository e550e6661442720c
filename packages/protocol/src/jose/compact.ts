import {
  CompactEncrypt,
  CompactSign,
  base64url,
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  type CryptoKey,
  type JWK,
  type ProtectedHeaderParameters,
} from 'jose';
import { DomicileError, type ErrorCode } from '../errors/index.js';
import { CONTENT_ENCRYPTION, KEY_AGREEMENT_ALG, SIGNING_ALG } from './algorithms.js';
import type { JoseHeader } from './fast-jose.js';
import { importKey, toPublicJwk, type PrivateJwk, type PublicJwk } from './keys.js';
// Node: node:crypto's synchronous calls; a browser bundle: undefined (jose below does it all).
import { fastJose } from './node-jose.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Signs a JSON payload as a compact JWS (ES256) with `typ` and the signer's `kid`. */
export async function signJson(payload: unknown, key: PrivateJwk, typ: string): Promise<string> {
  const header = { alg: SIGNING_ALG, typ, kid: key.kid };
  const bytes = encoder.encode(JSON.stringify(payload));
  if (fastJose !== undefined) return fastJose.signCompact(header, bytes, key);
  return new CompactSign(bytes).setProtectedHeader(header).sign(await importKey(key, SIGNING_ALG));
}

/**
 * Picks the key a JWS must verify with from its header and payload, not yet verified: they only
 * choose the key. Throws when none fits.
 */
export type JwsKeyResolver = (header: JoseHeader, payload: Uint8Array) => JWK;

/**
 * Verifies a compact JWS (ES256 only, whatever its header says) with the key `resolveKey` picks.
 * Throws a plain error, or what `resolveKey` threw, on any failure: callers give it their code.
 */
export async function verifyJws(
  jws: string,
  resolveKey: JwsKeyResolver,
): Promise<{ header: JoseHeader; payload: Uint8Array }> {
  if (fastJose !== undefined) return fastJose.verifyCompact(jws, resolveKey);
  const { payload, protectedHeader } = await compactVerify(
    jws,
    (header, token) => importKey(resolveKey(header, base64url.decode(token.payload)), SIGNING_ALG),
    { algorithms: [SIGNING_ALG] },
  );
  return { header: protectedHeader, payload };
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
    const { payload, header } = await verifyJws(jws, () => key);
    if (header.typ !== typ) throw new Error(`unexpected typ ${String(header.typ)}`);
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
  const plaintext = encoder.encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const header = { alg: KEY_AGREEMENT_ALG, enc: CONTENT_ENCRYPTION, typ, kid: recipient.kid };
  // Only ever the public half: a private JWK passed by mistake must not change the key used.
  const publicJwk = toPublicJwk(recipient);
  if (fastJose !== undefined) return fastJose.encryptCompact(header, plaintext, publicJwk);
  return new CompactEncrypt(plaintext)
    .setProtectedHeader(header)
    .encrypt(await importKey(publicJwk, KEY_AGREEMENT_ALG));
}

/**
 * Decrypts a compact JWE made by `encryptJson`; returns the plaintext as text. The key is a private
 * JWK, or a WebCrypto ECDH key (a browser wallet's, which cannot be exported: jose's path).
 */
export async function decryptText(
  jwe: string,
  key: PrivateJwk | CryptoKey,
  typ: string,
  failCode: ErrorCode,
): Promise<string> {
  try {
    const { plaintext, header } =
      fastJose !== undefined && 'kty' in key
        ? fastJose.decryptCompact(jwe, key)
        : await joseDecrypt(jwe, key);
    if (header.typ !== typ) throw new Error(`unexpected typ ${String(header.typ)}`);
    return decoder.decode(plaintext);
  } catch (cause) {
    throw new DomicileError(failCode, { cause });
  }
}

async function joseDecrypt(
  jwe: string,
  key: PrivateJwk | CryptoKey,
): Promise<{ header: JoseHeader; plaintext: Uint8Array }> {
  const { plaintext, protectedHeader } = await compactDecrypt(
    jwe,
    'kty' in key ? await importKey(key, KEY_AGREEMENT_ALG) : key,
    {
      keyManagementAlgorithms: [KEY_AGREEMENT_ALG],
      contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
    },
  );
  return { header: protectedHeader, plaintext };
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
