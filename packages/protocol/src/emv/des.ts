import { tripleDes } from './triple-des.js';

/**
 * DES building blocks for the EMV cryptograms. OpenSSL 3 (Node 20) no longer offers single DES,
 * so single-DES steps run as `des-ede3` with the key repeated K|K|K, which is mathematically the
 * same cipher; double-length keys run as K1|K2|K1.
 */

const BLOCK = 8;

function toTripleKey(key: Uint8Array): Buffer {
  if (key.length === 8) return Buffer.concat([key, key, key]);
  if (key.length === 16) return Buffer.concat([key, key.subarray(0, 8)]);
  if (key.length === 24) return Buffer.from(key);
  throw new RangeError('A DES key is 8, 16 or 24 bytes long.');
}

function run(
  mode: 'encrypt' | 'decrypt',
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array | null,
): Buffer {
  if (data.length % BLOCK !== 0) throw new RangeError('DES input must be whole 8-byte blocks.');
  return Buffer.from(tripleDes(mode, toTripleKey(key), data, iv));
}

/** ECB encryption: single DES for an 8-byte key, triple DES (EDE) for a 16- or 24-byte key. */
export function desEncryptEcb(key: Uint8Array, data: Uint8Array): Buffer {
  return run('encrypt', key, data, null);
}

/** ECB decryption, the inverse of {@link desEncryptEcb}. */
export function desDecryptEcb(key: Uint8Array, data: Uint8Array): Buffer {
  return run('decrypt', key, data, null);
}

/** CBC encryption with an all-zero IV unless one is given. */
export function desEncryptCbc(
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array = Buffer.alloc(BLOCK),
): Buffer {
  return run('encrypt', key, data, iv);
}

function withOddParity(byte: number): number {
  let ones = 0;
  for (let rest = byte >> 1; rest > 0; rest >>= 1) ones += rest & 1;
  // The low bit of each DES key byte is its parity bit: set it so the byte has an odd count of 1s.
  return ones % 2 === 0 ? byte | 1 : byte & 0xfe;
}

/** Sets the low bit of every byte so that each byte has an odd number of 1 bits (DES key parity). */
export function adjustOddParity(key: Uint8Array): Buffer {
  return Buffer.from(Array.from(key, withOddParity));
}

/** True when every byte of the key has odd parity. */
export function hasOddParity(key: Uint8Array): boolean {
  return key.every((byte) => withOddParity(byte) === byte);
}

/**
 * Key check value: the leftmost `length` bytes of the key encrypting a block of zeros
 * (ANSI X9.24 style KCV, the value HSMs print next to a key).
 */
export function keyCheckValue(key: Uint8Array, length = 3): Buffer {
  return desEncryptEcb(key, Buffer.alloc(BLOCK)).subarray(0, length);
}

export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) throw new RangeError('XOR operands differ in length.');
  return Buffer.from(Array.from(a, (byte, i) => byte ^ (b[i] ?? 0)));
}
