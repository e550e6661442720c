import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derToP1363, p1363ToDer } from './ecdsa-signature.js';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('ES256 signatures between R || S and DER', () => {
  it('agrees with node:crypto both ways, over many signatures (short and padded integers)', () => {
    for (let i = 0; i < 200; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = sign('sha256', data, privateKey);
      const p1363 = derToP1363(der);
      expect(p1363).toHaveLength(64);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(
        true,
      );
      expect(p1363ToDer(p1363)).toEqual(der);
      const other = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(verify('sha256', data, publicKey, p1363ToDer(other))).toBe(true);
    }
  });

  it('encodes the shortest positive INTEGERs', () => {
    const r = `80${'00'.repeat(31)}`;
    const s = `${'00'.repeat(31)}7f`;
    // r has its high bit set: a zero byte first; s is one byte once its leading zeros go.
    expect(p1363ToDer(hex(r + s)).toString('hex')).toBe(`3026022100${r}02017f`);
    expect(derToP1363(hex(`3026022100${r}02017f`)).toString('hex')).toBe(r + s);
    expect(p1363ToDer(Buffer.alloc(64)).toString('hex')).toBe('3006020100020100');
  });

  it('refuses what is not a P-256 signature', () => {
    expect(() => p1363ToDer(Buffer.alloc(63))).toThrow(/64 bytes/);
    for (const bad of [
      '3006020100020100ff',
      '3106020100020100',
      '3006030100020100',
      '3006020100020200',
      `3027022200ff${'00'.repeat(32)}020100`.slice(0, -2),
      `3028022301${'00'.repeat(33)}020100`,
    ])
      expect(() => derToP1363(hex(bad)), bad).toThrow();
  });
});
