import { base64url } from 'jose';

/**
 * Hashing and random bytes through WebCrypto (`globalThis.crypto`), the same in Node and in a
 * browser: the SDK imports no `node:` module outside its Node-only wallet file.
 */

const encoder = new TextEncoder();

export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export const toBase64url = (bytes: Uint8Array): string => base64url.encode(bytes);
export const fromBase64url = (text: string): Uint8Array => base64url.decode(text);
