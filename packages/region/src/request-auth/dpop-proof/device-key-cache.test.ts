import { describe, expect, it } from 'vitest';
import { generateKeyPairJwk, jwkThumbprint, toPublicJwk } from '@domicile/protocol';
import { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';

const header = (jwk: unknown) =>
  ({ alg: 'ES256', typ: 'dpop+jwt', jwk }) as Parameters<typeof embeddedDeviceKey>[0];

describe('device key cache', () => {
  it('gives the public key of the header and its RFC 7638 thumbprint, computed once', async () => {
    const { publicJwk } = await generateKeyPairJwk('sig');
    const { kty, crv, x, y } = toPublicJwk(publicJwk);
    const withoutKid = { kty, crv, x, y };
    expect(embeddedDeviceKey(header(withoutKid))).toBe(withoutKid);
    const first = deviceKeyThumbprint(publicJwk);
    expect(deviceKeyThumbprint(withoutKid)).toBe(first);
    expect(await first).toBe(await jwkThumbprint(publicJwk));
  });

  it("hashes each key as jose's RFC 7638 thumbprint does", async () => {
    for (let i = 0; i < 20; i++) {
      const { publicJwk } = await generateKeyPairJwk('sig');
      expect(await deviceKeyThumbprint(publicJwk)).toBe(await jwkThumbprint(publicJwk));
    }
  });

  it('refuses private keys and keys that are not P-256', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    expect(() => embeddedDeviceKey(header(privateJwk))).toThrow(TypeError);
    expect(() =>
      embeddedDeviceKey(header({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x })),
    ).toThrow(TypeError);
    expect(() => embeddedDeviceKey(header(undefined))).toThrow(TypeError);
  });
});
