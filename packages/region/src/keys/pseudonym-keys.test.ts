import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pseudonymKeysOf } from './pseudonym-keys.js';

const secretsOf = (key: Buffer) => ({ pseudonymKey: key.toString('base64url') });

/** The HKDF derivation the code hashes used, per call, before the keys were made once. */
const rawDerived = (key: Buffer, label: string): Buffer =>
  Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), label, 32));

describe('pseudonymKeysOf', () => {
  it('imports the key itself byte for byte: RFC 4231 HMAC-SHA-256 test cases 1 and 2', () => {
    const mac = (key: Buffer, data: string) =>
      createHmac('sha256', pseudonymKeysOf(secretsOf(key)).pseudonym)
        .update(data)
        .digest('hex');
    expect(mac(Buffer.alloc(20, 0x0b), 'Hi There')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(mac(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  // Code hashes already stored must still verify: the derived keys are the bytes they were.
  it.each([
    ['oneTimeCode', 'domicile one-time code', 'KzX42Ab_N9zHVxgvtQZOr1Fbi8--h8rQI0E16nxPqPQ'],
    ['joinCode', 'domicile join code', 'hsB6qfjEQs0eqEAXjNesYTTJKwg1plUJ1GIx2x6w2hM'],
  ] as const)('derives %s as the per-call HKDF did', (name, label, pinned) => {
    const key = Buffer.alloc(32, 7);
    const made = pseudonymKeysOf(secretsOf(key))[name];
    expect(made.export()).toEqual(rawDerived(key, label));
    const hash = (k: Parameters<typeof createHmac>[1]) =>
      createHmac('sha256', k).update('id-1\u0000123456').digest('base64url');
    expect(hash(made)).toBe(hash(rawDerived(key, label)));
    expect(hash(made)).toBe(pinned);
  });

  it('keeps one key per purpose apart', () => {
    const keys = pseudonymKeysOf(secretsOf(Buffer.alloc(32, 9)));
    const bytes = [keys.pseudonym, keys.oneTimeCode, keys.joinCode].map((k) =>
      k.export().toString('hex'),
    );
    expect(new Set(bytes).size).toBe(3);
  });

  it('makes the keys once per secrets object, and again when its key is replaced', () => {
    const secrets = { pseudonymKey: Buffer.alloc(32, 1).toString('base64url') };
    const first = pseudonymKeysOf(secrets);
    expect(pseudonymKeysOf(secrets)).toBe(first);
    secrets.pseudonymKey = Buffer.alloc(32, 2).toString('base64url');
    const second = pseudonymKeysOf(secrets);
    expect(second).not.toBe(first);
    expect(second.pseudonym.export()).toEqual(Buffer.alloc(32, 2));
  });
});
