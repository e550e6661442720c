import { describe, expect, it } from 'vitest';
import { isDomicileError } from '../errors/index.js';
import {
  TYP,
  decryptText,
  encryptJson,
  generateKeyPairJwk,
  peekHeader,
  signJson,
  verifyJson,
} from './index.js';

describe('JOSE profile', () => {
  it('round-trips a JWE to a recipient and names the key by kid', async () => {
    const recipient = await generateKeyPairJwk('enc');
    const jwe = await encryptJson({ hello: 'region' }, recipient.publicJwk, TYP.cardDetails);
    expect(peekHeader(jwe)).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: recipient.publicJwk.kid,
      typ: TYP.cardDetails,
    });
    expect(
      JSON.parse(
        await decryptText(jwe, recipient.privateJwk, TYP.cardDetails, 'CARD_DETAILS_UNREADABLE'),
      ),
    ).toEqual({ hello: 'region' });
  });

  it('fails closed with the given code for another key or another typ', async () => {
    const a = await generateKeyPairJwk('enc');
    const b = await generateKeyPairJwk('enc');
    const jwe = await encryptJson({ x: 1 }, a.publicJwk, TYP.cardDetails);
    await expect(
      decryptText(jwe, b.privateJwk, TYP.cardDetails, 'CARD_DETAILS_UNREADABLE'),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'CARD_DETAILS_UNREADABLE'));
    await expect(
      decryptText(jwe, a.privateJwk, TYP.provisioningData, 'CARD_DETAILS_UNREADABLE'),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'CARD_DETAILS_UNREADABLE'));
  });

  it('verifies signatures only with the expected key and typ', async () => {
    const signer = await generateKeyPairJwk('sig');
    const other = await generateKeyPairJwk('sig');
    const jws = await signJson({ n: 1 }, signer.privateJwk, TYP.personalizationScript);
    expect(await verifyJson(jws, signer.publicJwk, TYP.personalizationScript)).toEqual({ n: 1 });
    await expect(verifyJson(jws, other.publicJwk, TYP.personalizationScript)).rejects.toSatisfy(
      (e) => isDomicileError(e, 'SIGNATURE_INVALID'),
    );
    await expect(verifyJson(jws, signer.publicJwk, TYP.directory)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'SIGNATURE_INVALID'),
    );
  });

  it('keeps private parts out of public JWKs', async () => {
    const { publicJwk } = await generateKeyPairJwk('sig');
    expect(publicJwk).not.toHaveProperty('d');
    expect(publicJwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
