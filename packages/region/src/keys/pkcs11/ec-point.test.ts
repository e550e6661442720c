import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecPointToJwk } from './ec-point.js';

function p256Point(): { point: Buffer; x: string; y: string } {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  return { point: Buffer.concat([Buffer.from([4]), x, y]), x: jwk.x ?? '', y: jwk.y ?? '' };
}

describe('ecPointToJwk', () => {
  it('reads the DER OCTET STRING PKCS#11 specifies, and the bare point some tokens return', () => {
    const { point, x, y } = p256Point();
    const der = Buffer.concat([Buffer.from([0x04, 0x41]), point]);
    expect(ecPointToJwk(der)).toEqual({ kty: 'EC', crv: 'P-256', x, y });
    expect(ecPointToJwk(point)).toEqual({ kty: 'EC', crv: 'P-256', x, y });
    expect(() => createPublicKey({ key: { ...ecPointToJwk(der) }, format: 'jwk' })).not.toThrow();
  });

  it('refuses a compressed point, a point of another size and a point off the curve', () => {
    const { point } = p256Point();
    expect(() => ecPointToJwk(Buffer.concat([Buffer.from([2]), point.subarray(1, 33)]))).toThrow();
    expect(() => ecPointToJwk(Buffer.concat([point, Buffer.alloc(32)]))).toThrow();
    const offCurve = Buffer.from(point);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    expect(() => ecPointToJwk(offCurve)).toThrow();
  });
});
