import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { TYP, api, generateKeyPairJwk, peekHeader, verifyJson } from '@domicile/protocol';
import { SANDBOX_PRODUCTS } from '../issuer/index.js';
import { Tsm } from './tsm.js';
import { FileJwsSigner } from '../keys/index.js';

const product = SANDBOX_PRODUCTS.get('cn-peony-unionpay');
if (product === undefined) throw new Error('sandbox product missing');
const input = {
  scriptId: 'script-0001',
  tokenRef: 'token-ref-0001',
  product,
  artwork: { assetId: 'asset-0001', sha256: 'a'.repeat(43) },
};

describe('Tsm', () => {
  it('signs a personalization script that verifies with the TSM public key', async () => {
    const key = await generateKeyPairJwk('sig');
    const tsm = new Tsm({
      region: 'cn',
      signer: new FileJwsSigner(key.privateJwk),
      now: () => new Date('2025-03-04T05:06:07Z'),
    });
    const { jws, hash } = await tsm.buildScript(input);
    expect(peekHeader(jws)).toMatchObject({
      alg: 'ES256',
      typ: TYP.personalizationScript,
      kid: key.publicJwk.kid,
    });
    const script = await verifyJson(jws, key.publicJwk, TYP.personalizationScript);
    expect(Value.Check(api.PersonalizationScript, script)).toBe(true);
    expect(script).toEqual({
      scriptId: 'script-0001',
      tokenRef: 'token-ref-0001',
      region: 'cn',
      issuedAt: 1741064767,
      artwork: input.artwork,
      issuer: {
        name: product.issuerName,
        phone: product.phone,
        email: product.email,
        website: product.website,
      },
      termsUrl: product.termsUrl,
      commands: [
        { op: 'SET_ARTWORK' },
        { op: 'SET_ISSUER_CONTACT' },
        { op: 'SET_TERMS' },
        { op: 'ACTIVATE' },
      ],
    });
    expect(hash).toBe(createHash('sha256').update(jws).digest('base64url'));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is refused under any other key or typ', async () => {
    const [key, other] = await Promise.all([generateKeyPairJwk('sig'), generateKeyPairJwk('sig')]);
    const { jws } = await new Tsm({
      region: 'cn',
      signer: new FileJwsSigner(key.privateJwk),
    }).buildScript(input);
    await expect(verifyJson(jws, other.publicJwk, TYP.personalizationScript)).rejects.toMatchObject(
      { code: 'SIGNATURE_INVALID' },
    );
    await expect(verifyJson(jws, key.publicJwk, TYP.provisioningPayload)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('never signs a script the device schema would refuse', async () => {
    const key = await generateKeyPairJwk('sig');
    await expect(
      new Tsm({ region: 'cn', signer: new FileJwsSigner(key.privateJwk) }).buildScript({
        ...input,
        tokenRef: 'bad ref!',
      }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
