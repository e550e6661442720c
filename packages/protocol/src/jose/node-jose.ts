import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { lruGet } from '../util/lru-cache.js';
import { derToP1363, p1363ToDer } from './ecdsa-signature.js';
import { CONTENT_ENCRYPTION, KEY_AGREEMENT_ALG, SIGNING_ALG } from './algorithms.js';
import type { FastJose, JoseHeader, P256Jwk } from './fast-jose.js';

/**
 * Domicile's JOSE profile (compact ES256 JWS; compact ECDH-ES+A256KW / A256GCM JWE) on
 * node:crypto's synchronous calls: WebCrypto (what jose runs on) costs about twice as much per
 * signature, plus a promise job per step and a key import per call. jose stays the reference and
 * the browser's path (`node-jose-browser.ts`, the package's `browser` field): tests check the two
 * against each other both ways. Every refusal is a plain Error; callers map it to their own code.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const COORDINATE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 3394 §2.2.3.1 default initial value. */
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const CEK_BYTES = 32;

/** Strict base64url: its alphabet only, no padding, and the one canonical spelling of its bytes. */
function fromBase64url(segment: string, what: string): Buffer {
  const bytes = BASE64URL.test(segment) ? Buffer.from(segment, 'base64url') : undefined;
  if (bytes === undefined || bytes.toString('base64url') !== segment)
    throw new Error(`${what} is not base64url`);
  return bytes;
}

function toBase64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A protected header: a JSON object, UTF-8, with no `crit` (our profile has no extension). */
function parseHeader(segment: string): JoseHeader {
  const header: unknown = JSON.parse(strictUtf8.decode(fromBase64url(segment, 'header')));
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new Error('protected header is not a JSON object');
  if ('crit' in header) throw new Error('"crit" is not supported');
  return header as JoseHeader;
}

/**
 * Keys are long-lived and importing one validates its point: each is imported once. Bounded,
 * least recently used out first, so a burst of new device keys evicts the idle ones.
 */
export const KEY_CACHE_SIZE = 10_000;
const publicKeys = new Map<string, KeyObject>();
// By the whole private JWK: callers rebuild their key objects (`privateJwkOf`), and `d` is in
// memory as a string in them anyway.
const privateKeys = new Map<string, KeyObject>();

function cached(keys: Map<string, KeyObject>, id: string, load: () => KeyObject): KeyObject {
  return lruGet(keys, id, KEY_CACHE_SIZE, load);
}

function p256Coordinates(jwk: P256Jwk): { x: string; y: string } {
  // The curve is part of the algorithm: a P-384 key must not verify "ES256".
  const { kty, crv, x, y } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string')
    throw new Error('not a P-256 key');
  return { x, y };
}

function strictCoordinates(x: string, y: string): void {
  if (!COORDINATE.test(x) || !COORDINATE.test(y)) throw new Error('not a P-256 key');
  fromBase64url(x, 'x');
  fromBase64url(y, 'y');
}

/** SubjectPublicKeyInfo of id-ecPublicKey on prime256v1 (RFC 5480), up to the point's bytes. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
/** SEC 1 §2.3.3: an uncompressed point. */
const UNCOMPRESSED_POINT = Buffer.of(0x04);

/**
 * A P-256 point from coordinates already checked strictly, as a KeyObject; node:crypto refuses
 * a point off the curve (the invalid-curve attack). Imported from a PEM string, not a JWK
 * object: node:crypto checks an object argument for KeyObject and CryptoKey by throwing and
 * catching two errors, which cost more than the import (about 50 µs against 20 µs).
 */
function p256PublicKey(x: string, y: string): KeyObject {
  const spki = Buffer.concat([
    P256_SPKI_PREFIX,
    UNCOMPRESSED_POINT,
    Buffer.from(x, 'base64url'),
    Buffer.from(y, 'base64url'),
  ]);
  try {
    return createPublicKey(
      `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`,
    );
  } catch (cause) {
    throw new Error('not a point on P-256', { cause });
  }
}

/** A public key, imported once (see {@link p256PublicKey}). */
export function publicKeyObject(jwk: P256Jwk): KeyObject {
  const { x, y } = p256Coordinates(jwk);
  return cached(publicKeys, `${x}.${y}`, () => {
    strictCoordinates(x, y);
    return p256PublicKey(x, y);
  });
}

function privateKeyObject(jwk: P256Jwk): KeyObject {
  const { x, y } = p256Coordinates(jwk);
  const { d } = jwk;
  if (typeof d !== 'string') throw new Error('not a private key');
  return cached(privateKeys, `${x}.${y}.${d}`, () => {
    strictCoordinates(x, y);
    return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x, y, d }, format: 'jwk' });
  });
}

function uint32be(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function lengthAndInput(input: Uint8Array): Buffer {
  return Buffer.concat([uint32be(input.length), input]);
}

/** The Concat KDF of RFC 7518 §4.6.2 (NIST SP 800-56A §5.8.1, SHA-256), as jose derives it. */
export function concatKdf(
  sharedSecret: Uint8Array,
  algorithm: string,
  keyBits: number,
  apu: Uint8Array = new Uint8Array(),
  apv: Uint8Array = new Uint8Array(),
): Buffer {
  const otherInfo = Buffer.concat([
    lengthAndInput(Buffer.from(algorithm, 'ascii')),
    lengthAndInput(apu),
    lengthAndInput(apv),
    uint32be(keyBits),
  ]);
  const rounds = Math.ceil(keyBits / 256);
  const out: Buffer[] = [];
  for (let round = 1; round <= rounds; round++)
    out.push(
      createHash('sha256').update(uint32be(round)).update(sharedSecret).update(otherInfo).digest(),
    );
  return Buffer.concat(out).subarray(0, keyBits / 8);
}

/**
 * AES Key Wrap (RFC 3394), the A256KW of RFC 7518 §4.4. Every AES key here is a KeyObject, even
 * one used once: given raw bytes, node:crypto's ciphers check them for KeyObject and CryptoKey by
 * throwing and catching two errors, which cost more than the cipher (about 28 µs a call against
 * 9 µs for `createSecretKey` and the cipher together).
 */
export function keyWrap(mode: 'wrap' | 'unwrap', kek: Uint8Array, data: Uint8Array): Buffer {
  const cipher =
    mode === 'wrap'
      ? createCipheriv('id-aes256-wrap', createSecretKey(kek), KEY_WRAP_IV)
      : createDecipheriv('id-aes256-wrap', createSecretKey(kek), KEY_WRAP_IV);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function signCompact(header: JoseHeader, payload: Uint8Array, key: P256Jwk): string {
  const input = `${toBase64url(JSON.stringify(header))}.${toBase64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input, 'ascii'), privateKeyObject(key));
  return `${input}.${toBase64url(derToP1363(signature))}`;
}

function verifyCompact(
  jws: string,
  resolveKey: (header: JoseHeader, payload: Uint8Array) => P256Jwk,
): { header: JoseHeader; payload: Buffer } {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
  const header = parseHeader(encodedHeader);
  // Only ES256, whatever the header asks: no `none`, no HMAC keyed with a public key.
  if (header.alg !== SIGNING_ALG) throw new Error('"alg" not allowed');
  const payload = fromBase64url(encodedPayload, 'payload');
  const signature = fromBase64url(encodedSignature, 'signature');
  // R || S of 32 bytes each (RFC 7518 §3.4); a DER signature is refused.
  if (signature.length !== 64) throw new Error('signature is not 64 bytes');
  const key = publicKeyObject(resolveKey(header, payload));
  const input = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
  if (!verify('sha256', input, key, p1363ToDer(signature)))
    throw new Error('signature verification failed');
  return { header, payload };
}

function encryptCompact(header: JoseHeader, plaintext: Uint8Array, recipient: P256Jwk): string {
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sharedSecret = diffieHellman({
    privateKey: ephemeral.privateKey,
    publicKey: publicKeyObject(recipient),
  });
  const { x, y } = ephemeral.publicKey.export({ format: 'jwk' });
  const protectedHeader = { ...header, epk: { x, crv: 'P-256', kty: 'EC', y } };
  const kek = concatKdf(sharedSecret, KEY_AGREEMENT_ALG, 256);
  const cek = randomBytes(CEK_BYTES);
  const iv = randomBytes(GCM_IV_BYTES);
  const encodedHeader = toBase64url(JSON.stringify(protectedHeader));
  const cipher = createCipheriv('aes-256-gcm', createSecretKey(cek), iv, {
    authTagLength: GCM_TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [
    encodedHeader,
    toBase64url(keyWrap('wrap', kek, cek)),
    toBase64url(iv),
    toBase64url(ciphertext),
    toBase64url(cipher.getAuthTag()),
  ].join('.');
}

/** The sender's ephemeral key: a public P-256 point on the curve, nothing else. */
function ephemeralKey(epk: unknown): KeyObject {
  if (typeof epk !== 'object' || epk === null || Array.isArray(epk) || 'd' in epk)
    throw new Error('"epk" is not a public key');
  const { x, y } = p256Coordinates(epk);
  strictCoordinates(x, y);
  return p256PublicKey(x, y);
}

function optionalBase64url(value: unknown, what: string): Buffer | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`"${what}" is not a string`);
  return fromBase64url(value, what);
}

function decryptCompact(jwe: string, key: P256Jwk): { header: JoseHeader; plaintext: Buffer } {
  const parts = jwe.split('.');
  if (parts.length !== 5) throw new Error('not a compact JWE');
  const [
    encodedHeader = '',
    encryptedKey = '',
    encodedIv = '',
    encodedCiphertext = '',
    encodedTag = '',
  ] = parts;
  const header = parseHeader(encodedHeader);
  if (header.alg !== KEY_AGREEMENT_ALG) throw new Error('"alg" not allowed');
  if (header.enc !== CONTENT_ENCRYPTION) throw new Error('"enc" not allowed');
  if (header.zip !== undefined) throw new Error('"zip" is not supported');
  const sharedSecret = diffieHellman({
    privateKey: privateKeyObject(key),
    publicKey: ephemeralKey(header.epk),
  });
  const kek = concatKdf(
    sharedSecret,
    KEY_AGREEMENT_ALG,
    256,
    optionalBase64url(header.apu, 'apu'),
    optionalBase64url(header.apv, 'apv'),
  );
  const wrapped = fromBase64url(encryptedKey, 'encrypted key');
  if (wrapped.length !== CEK_BYTES + 8) throw new Error('encrypted key is not 40 bytes');
  const cek = keyWrap('unwrap', kek, wrapped);
  const iv = fromBase64url(encodedIv, 'iv');
  if (iv.length !== GCM_IV_BYTES) throw new Error('iv is not 12 bytes');
  const tag = fromBase64url(encodedTag, 'tag');
  if (tag.length !== GCM_TAG_BYTES) throw new Error('tag is not 16 bytes');
  const decipher = createDecipheriv('aes-256-gcm', createSecretKey(cek), iv, {
    authTagLength: GCM_TAG_BYTES,
  });
  decipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  decipher.setAuthTag(tag);
  const ciphertext = fromBase64url(encodedCiphertext, 'ciphertext');
  const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return { header, plaintext };
}

export const nodeJose: FastJose = { signCompact, verifyCompact, encryptCompact, decryptCompact };

/** What `compact.ts` runs on: this in Node, undefined in the browser build. */
export const fastJose: FastJose | undefined = nodeJose;
