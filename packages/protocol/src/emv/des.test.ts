import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  adjustOddParity,
  desDecryptEcb,
  desEncryptCbc,
  desEncryptEcb,
  hasOddParity,
  keyCheckValue,
} from './des.js';
import { TEST_IMK, hex } from './emv.fixtures.js';

describe('DES primitives', () => {
  it('computes the key check value of the EMV test issuer master key', () => {
    // knovichikhin/pyemv tests/test_kd_hsm.py: key_check_digits(0123456789ABCDEFFEDCBA9876543210) == "08D7"
    expect(keyCheckValue(TEST_IMK, 2).toString('hex').toUpperCase()).toBe('08D7');
  });

  it('treats a double-length key with equal halves as single DES', () => {
    const k = randomBytes(8);
    const block = randomBytes(8);
    expect(desEncryptEcb(k, block)).toEqual(desEncryptEcb(Buffer.concat([k, k]), block));
  });

  it('decrypts what it encrypts', () => {
    const key = randomBytes(16);
    const data = randomBytes(24);
    expect(desDecryptEcb(key, desEncryptEcb(key, data))).toEqual(data);
  });

  it('chains CBC blocks from a zero IV', () => {
    const key = randomBytes(8);
    const [a, b] = [randomBytes(8), randomBytes(8)];
    const first = desEncryptEcb(key, a);
    const second = desEncryptEcb(key, Buffer.from(b.map((x, i) => x ^ (first[i] ?? 0))));
    expect(desEncryptCbc(key, Buffer.concat([a, b]))).toEqual(Buffer.concat([first, second]));
  });

  it('rejects partial blocks and bad key lengths', () => {
    expect(() => desEncryptEcb(randomBytes(16), randomBytes(7))).toThrow(RangeError);
    expect(() => desEncryptEcb(randomBytes(10), randomBytes(8))).toThrow(RangeError);
  });

  it('gives every byte odd parity and changes only the parity bit', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const adjusted = adjustOddParity(all);
    expect(hasOddParity(adjusted)).toBe(true);
    adjusted.forEach((byte, i) => expect(byte & 0xfe).toBe(i & 0xfe));
    expect(hasOddParity(hex('0000'))).toBe(false);
  });
});
