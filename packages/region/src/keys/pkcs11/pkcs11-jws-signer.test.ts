import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkThumbprint, verifyJson } from '@domicile/protocol';
import { jwsSigningInput } from '../jws-signer.js';
import { generatePkcs11RegionKeys, type GeneratedPkcs11Keys } from './generate-pkcs11-keys.js';
import { Pkcs11JwsSigner } from './pkcs11-jws-signer.js';
import { Pkcs11Token } from './pkcs11-token.js';
import {
  KEPT_INSIDE,
  SOFTHSM_MODULE,
  createSoftHsm,
  keyExposure,
  type SoftHsm,
} from './softhsm.fixtures.js';

const LABELS = { signing: 'us-signing', tsm: 'us-tsm', kek: 'us-kek-1' };
const CLAIMS = { iss: 'us', aud: 'cn', nested: { n: 1, s: 'é' } };
const TYP = 'domicile-test+jws';

describe.skipIf(SOFTHSM_MODULE === undefined)('Pkcs11JwsSigner (SoftHSM2)', () => {
  let softHsm: SoftHsm;
  let token: Pkcs11Token;
  let generated: GeneratedPkcs11Keys;
  beforeAll(async () => {
    softHsm = await createSoftHsm('signer');
    token = await Pkcs11Token.open(softHsm.tokenOptions('signer'));
    generated = await generatePkcs11RegionKeys(token, LABELS);
  });
  afterAll(async () => {
    await token.close();
    await softHsm.remove();
  });

  it('signs a JWS that jose and verifyJson accept with the public JWK it reports', async () => {
    const signer = await Pkcs11JwsSigner.open(token, LABELS.signing);
    const jws = await signer.sign(CLAIMS, TYP);
    const { protectedHeader } = await compactVerify(
      jws,
      await importJWK(signer.publicJwk, 'ES256'),
    );
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: TYP, kid: signer.kid });
    expect(await verifyJson(jws, signer.publicJwk, TYP)).toEqual(CLAIMS);
    // The same signing input as signJson, and a bare r || s signature (64 bytes, not DER).
    const [header, payload, signature] = jws.split('.');
    expect(`${header}.${payload}`).toBe(jwsSigningInput(CLAIMS, signer.kid, TYP));
    expect(Buffer.from(signature ?? '', 'base64url')).toHaveLength(64);
  });

  it('reports the public JWK of the key pair made in the token, kid its thumbprint', async () => {
    const signing = await Pkcs11JwsSigner.open(token, LABELS.signing);
    const tsm = await Pkcs11JwsSigner.open(token, LABELS.tsm, 'tsm');
    expect(signing.publicJwk).toEqual(generated.signing);
    expect(tsm.publicJwk).toEqual(generated.tsm);
    expect(signing.kid).not.toBe(tsm.kid);
    expect(signing.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(signing.publicJwk).not.toHaveProperty('d');
    expect(signing.kid).toBe(await jwkThumbprint(signing.publicJwk));
    // A signature by the TSM key does not pass for the signing key.
    const byTsm = await tsm.sign(CLAIMS, TYP);
    await expect(verifyJson(byTsm, signing.publicJwk, TYP)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('keeps the private key in the token: sensitive, not extractable, its value unreadable', async () => {
    const b = token.binding;
    expect(await keyExposure(token, LABELS.signing, b.CKO_PRIVATE_KEY)).toEqual(KEPT_INSIDE);
    expect(await keyExposure(token, LABELS.tsm, b.CKO_PRIVATE_KEY)).toEqual(KEPT_INSIDE);
  });

  it('signs in parallel on several sessions, every signature valid', async () => {
    const signer = await Pkcs11JwsSigner.open(token, LABELS.signing);
    const claims = Array.from({ length: 24 }, (_, i) => ({ i }));
    const signed = await Promise.all(claims.map((c) => signer.sign(c, TYP)));
    const verified = await Promise.all(signed.map((jws) => verifyJson(jws, signer.publicJwk, TYP)));
    expect(verified).toEqual(claims);
  });
});
