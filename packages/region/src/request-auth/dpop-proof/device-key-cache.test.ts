import { describe, expect, it } from 'vitest';
import { generateKeyPairJwk, jwkThumbprint, toPublicJwk } from '@domicile/protocol';
import { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';

const header = (jwk: unknown) =>
  ({ alg: 'ES256', typ: 'dpop+jwt', jwk }) as Parameters<typeof embeddedDeviceKey>[0];

describe('device key cache', () => {
  it('imports a device key once and gives its RFC 7638 thumbprint', async () => {
    const { publicJwk } = await generateKeyPairJwk('sig');
    const first = embeddedDeviceKey(header(publicJwk));
    expect(embeddedDeviceKey(header({ ...toPublicJwk(publicJwk), kid: undefined }))).toBe(first);
    expect((await first).type).toBe('public');
    expect(await deviceKeyThumbprint(publicJwk)).toBe(await jwkThumbprint(publicJwk));
  });

  it('refuses private keys and keys that are not P-256', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    await expect(embeddedDeviceKey(header(privateJwk))).rejects.toThrow(TypeError);
    await expect(
      embeddedDeviceKey(header({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x })),
    ).rejects.toThrow(TypeError);
    await expect(embeddedDeviceKey(header(undefined))).rejects.toThrow(TypeError);
  });

  it('does not keep a point that fails to import', async () => {
    const { publicJwk } = await generateKeyPairJwk('sig');
    const bogus = { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.x };
    const failed = embeddedDeviceKey(header(bogus));
    await expect(failed).rejects.toBeDefined();
    expect(embeddedDeviceKey(header(bogus))).not.toBe(failed);
    await expect(embeddedDeviceKey(header(bogus))).rejects.toBeDefined();
  });
});
