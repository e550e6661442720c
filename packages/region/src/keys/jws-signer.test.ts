import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKeyPairJwk, signJson, verifyJson } from '@domicile/protocol';
import { FileJwsSigner, jwsSigningInput } from './jws-signer.js';

const CLAIMS = { iss: 'us', sub: 'device-1', nested: { n: 1, s: 'é' } };
const TYP = 'domicile-test+jws';

describe('FileJwsSigner', () => {
  it('signs what jose and verifyJson accept, under its kid', async () => {
    const { privateJwk, publicJwk } = await generateKeyPairJwk('sig');
    const signer = new FileJwsSigner(privateJwk);
    expect(signer.kid).toBe(privateJwk.kid);
    expect(signer.publicJwk).toEqual(publicJwk);
    expect(signer.publicJwk).not.toHaveProperty('d');
    const jws = await signer.sign(CLAIMS, TYP);
    const { protectedHeader } = await compactVerify(jws, await importJWK(publicJwk, 'ES256'));
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: TYP, kid: privateJwk.kid });
    expect(await verifyJson(jws, publicJwk, TYP)).toEqual(CLAIMS);
  });

  it('writes the header and payload exactly as signJson does', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    const fromSigner = await new FileJwsSigner(privateJwk).sign(CLAIMS, TYP);
    const fromSignJson = await signJson(CLAIMS, privateJwk, TYP);
    const signingInput = (jws: string): string => jws.split('.').slice(0, 2).join('.');
    expect(signingInput(fromSigner)).toBe(signingInput(fromSignJson));
    // A signer that cannot use jose builds its input by hand: it must be the same bytes.
    expect(jwsSigningInput(CLAIMS, privateJwk.kid, TYP)).toBe(signingInput(fromSignJson));
    expect(decodeProtectedHeader(fromSigner)).toEqual(decodeProtectedHeader(fromSignJson));
  });
});
