import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tripleDes as browserTripleDes } from './triple-des-browser.js';
import { tripleDes } from './triple-des.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('triple DES in TypeScript (the browser build) against OpenSSL', () => {
  it('encrypts the classic single-DES example (K|K|K is single DES)', () => {
    // The worked example of J. Orlin Grabbe's "The DES Algorithm Illustrated".
    const k = hex('133457799BBCDFF1');
    const out = browserTripleDes(
      'encrypt',
      Buffer.concat([k, k, k]),
      hex('0123456789ABCDEF'),
      null,
    );
    expect(Buffer.from(out).toString('hex').toUpperCase()).toBe('85E813540F0AB405');
  });

  it.each(['encrypt', 'decrypt'] as const)(
    'agrees with OpenSSL in ECB and CBC (%s), random keys and data',
    (mode) => {
      for (let i = 0; i < 20; i++) {
        const key = randomBytes(24);
        const data = randomBytes(8 * (1 + (i % 4)));
        const iv = i % 2 === 0 ? null : randomBytes(8);
        expect(Buffer.from(browserTripleDes(mode, key, data, iv))).toEqual(
          Buffer.from(tripleDes(mode, key, data, iv)),
        );
      }
    },
  );

  it('refuses a key that is not 24 bytes', () => {
    expect(() => browserTripleDes('encrypt', randomBytes(16), randomBytes(8), null)).toThrow(
      RangeError,
    );
  });
});
