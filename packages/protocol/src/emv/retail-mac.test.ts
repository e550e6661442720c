import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { desDecryptEcb, desEncryptCbc, desEncryptEcb } from './des.js';
import { hex, upper, validationDetails } from './emv.fixtures.js';
import { padMethod2, retailMac } from './retail-mac.js';

const KEY = hex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB');

describe('retailMac (ISO/IEC 9797-1 algorithm 3, padding method 2)', () => {
  it('matches published known answers', () => {
    // knovichikhin/pyemv tests/test_mac.py test_mac_iso9797_3: padding 2 over b"hello world"
    expect(upper(retailMac(KEY, Buffer.from('hello world')))).toBe('2BC2D9EDE0CF31F6');
    // knovichikhin/pyemv pyemv/ac.py, generate_ac docstring (EMV padding): recommended minimum data set
    const data = hex(
      '000000002000' +
        '000000000000' +
        '0124' +
        '0000008000' +
        '0124' +
        '110309' +
        '00' +
        '3804823E' +
        '5800' +
        '0001',
    );
    expect(upper(retailMac(KEY, data))).toBe('3B76CF10FECD8789');
  });

  it('equals the three steps of the standard, for one block and for many', () => {
    // ISO/IEC 9797-1 algorithm 3 as written: CBC under KL over every block, then the last output
    // decrypted under KR and encrypted under KL (the implementation folds the last two steps).
    for (let length = 0; length <= 40; length++) {
      const key = randomBytes(16);
      const data = randomBytes(length);
      const [kl, kr] = [key.subarray(0, 8), key.subarray(8)];
      const chained = desEncryptCbc(kl, padMethod2(data)).subarray(-8);
      expect(retailMac(key, data)).toEqual(desEncryptEcb(kl, desDecryptEcb(kr, chained)));
    }
  });

  it('pads with 80 then zeros, adding a whole block to full blocks', () => {
    expect(padMethod2(Buffer.alloc(0))).toEqual(hex('8000000000000000'));
    expect(padMethod2(hex('01020304050607'))).toEqual(hex('0102030405060780'));
    expect(padMethod2(hex('0102030405060708'))).toEqual(hex('01020304050607088000000000000000'));
  });

  it('is a single-DES CBC-MAC when both halves are equal', () => {
    // With KL = KR the final decrypt/encrypt cancels out: algorithm 3 degenerates to algorithm 1.
    const k = randomBytes(8);
    const data = randomBytes(21);
    const cbcMac = desEncryptCbc(k, padMethod2(data)).subarray(-8);
    expect(retailMac(Buffer.concat([k, k]), data)).toEqual(cbcMac);
    expect(retailMac(Buffer.concat([k, randomBytes(8)]), data)).not.toEqual(cbcMac);
  });

  it('requires a double-length key', () => {
    expect(validationDetails(() => retailMac(randomBytes(8), Buffer.alloc(0)))).toBeDefined();
  });
});
