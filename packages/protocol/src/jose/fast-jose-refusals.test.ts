import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { compactDecrypt, compactVerify, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { TYP, encryptJson, generateKeyPairJwk, toPublicJwk, type PrivateJwk } from './index.js';
import { nodeJose } from './node-jose.js';

const fast = nodeJose;
const encoder = new TextEncoder();
const b64 = (value: unknown) =>
  (value instanceof Uint8Array
    ? Buffer.from(value)
    : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  ).toString('base64url');
const fromB64 = (segment: string) => Buffer.from(segment, 'base64url');
/** The order of P-256's base point. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Whether each implementation accepts a JWS for a key: they must agree, and the test says on what. */
async function verdicts(jws: string, jwk: PrivateJwk): Promise<{ fast: boolean; jose: boolean }> {
  const { kty, crv, x, y } = jwk;
  const publicJwk = { kty, crv, x, y };
  let joseAccepts = true;
  try {
    await compactVerify(jws, await importJWK(publicJwk, 'ES256'), { algorithms: ['ES256'] });
  } catch {
    joseAccepts = false;
  }
  let fastAccepts = true;
  try {
    fast.verifyCompact(jws, () => publicJwk);
  } catch {
    fastAccepts = false;
  }
  return { fast: fastAccepts, jose: joseAccepts };
}

function signedWith(key: PrivateJwk, header: object, payload: object, dsa: 'der' | 'ieee-p1363') {
  const input = `${b64(header)}.${b64(payload)}`;
  const der = createPrivateKey({ key: { ...key }, format: 'jwk' });
  return `${input}.${sign('sha256', Buffer.from(input), { key: der, dsaEncoding: dsa }).toString('base64url')}`;
}

describe('JWS refusals, as jose refuses', () => {
  it('accepts a genuine JWS, then refuses its payload, header or signature changed', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    const jws = fast.signCompact(
      { alg: 'ES256', typ: TYP.dpop },
      encoder.encode('{"a":1}'),
      privateJwk,
    );
    expect(await verdicts(jws, privateJwk)).toEqual({ fast: true, jose: true });
    const [h = '', p = '', s = ''] = jws.split('.');
    const flipped = Buffer.from(fromB64(s));
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    for (const tampered of [
      `${h}.${b64('{"a":2}')}.${s}`,
      `${b64({ alg: 'ES256', typ: TYP.directory })}.${p}.${s}`,
      `${h}.${p}.${flipped.toString('base64url')}`,
    ])
      expect(await verdicts(tampered, privateJwk)).toEqual({ fast: false, jose: false });
  });

  it('refuses alg none, and HS256 keyed with the public key (algorithm confusion)', async () => {
    const { privateJwk, publicJwk } = await generateKeyPairJwk('sig');
    const payload = b64({ a: 1 });
    const none = `${b64({ alg: 'none' })}.${payload}.`;
    expect(await verdicts(none, privateJwk)).toEqual({ fast: false, jose: false });
    const hsHeader = b64({ alg: 'HS256', typ: TYP.dpop });
    const secrets = [JSON.stringify(toPublicJwk(publicJwk)), fromB64(publicJwk.x)];
    for (const secret of secrets) {
      const mac = createHmac('sha256', secret).update(`${hsHeader}.${payload}`).digest('base64url');
      expect(await verdicts(`${hsHeader}.${payload}.${mac}`, privateJwk)).toEqual({
        fast: false,
        jose: false,
      });
    }
  });

  it('refuses a DER signature, and treats a high-S signature as jose does', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    const header = { alg: 'ES256', typ: TYP.dpop };
    const der = signedWith(privateJwk, header, { a: 1 }, 'der');
    expect(await verdicts(der, privateJwk)).toEqual({ fast: false, jose: false });
    const jws = signedWith(privateJwk, header, { a: 1 }, 'ieee-p1363');
    const [h, p, s = ''] = jws.split('.');
    const signature = fromB64(s);
    const highS = (N - BigInt(`0x${signature.subarray(32).toString('hex')}`)).toString(16);
    const mirrored = Buffer.concat([
      signature.subarray(0, 32),
      Buffer.from(highS.padStart(64, '0'), 'hex'),
    ]);
    // ECDSA (FIPS 186) accepts (r, n - s); so do WebCrypto and OpenSSL. A replay of a changed
    // signature is still the same `jti`: single use holds.
    const verdict = await verdicts(`${h}.${p}.${mirrored.toString('base64url')}`, privateJwk);
    expect(verdict.fast).toBe(verdict.jose);
    const zero = Buffer.alloc(64);
    expect(await verdicts(`${h}.${p}.${zero.toString('base64url')}`, privateJwk)).toEqual({
      fast: false,
      jose: false,
    });
  });

  it('refuses crit, a header that is no JSON object, and base64url that is not strict', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    const crit = signedWith(
      privateJwk,
      { alg: 'ES256', crit: ['exp'], exp: 1 },
      { a: 1 },
      'ieee-p1363',
    );
    expect(await verdicts(crit, privateJwk)).toEqual({ fast: false, jose: false });
    const jws = signedWith(privateJwk, { alg: 'ES256' }, { a: 1 }, 'ieee-p1363');
    const [h = '', p = '', s = ''] = jws.split('.');
    expect(() => fast.verifyCompact(`${b64('[1]')}.${p}.${s}`, () => privateJwk)).toThrow(/object/);
    for (const bad of [`${h}=.${p}.${s}`, `${h}.${p}.${s}=`, `${h}.${p}+.${s}`, `${h}.${p}.${s}.`])
      expect(() => fast.verifyCompact(bad, () => privateJwk)).toThrow();
    // The last character of 86 carries 4 unused bits: another spelling of the same 64 bytes.
    const last = s.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A';
    expect(fromB64(`${s.slice(0, -1)}${sibling}`)).toEqual(fromB64(s));
    expect(() =>
      fast.verifyCompact(`${h}.${p}.${s.slice(0, -1)}${sibling}`, () => privateJwk),
    ).toThrow(/base64url/);
  });

  it('refuses a key that is not P-256, whatever the signature', async () => {
    const { privateJwk } = await generateKeyPairJwk('sig');
    const jws = signedWith(privateJwk, { alg: 'ES256' }, { a: 1 }, 'ieee-p1363');
    expect(() => fast.verifyCompact(jws, () => ({ ...privateJwk, crv: 'P-384' }))).toThrow(/P-256/);
    expect(() => fast.verifyCompact(jws, () => ({ kty: 'oct', k: 'AAAA' }))).toThrow(/P-256/);
    const y = Buffer.from(fromB64(privateJwk.y ?? ''));
    y[31] = (y[31] ?? 0) ^ 1;
    const offCurve = { ...privateJwk, y: y.toString('base64url') };
    expect(() => fast.verifyCompact(jws, () => offCurve)).toThrow(/not a point on P-256/);
    expect(() => fast.encryptCompact({ alg: 'ECDH-ES+A256KW' }, Buffer.of(1), offCurve)).toThrow(
      /not a point on P-256/,
    );
  });
});

/** A JWE with its protected header rewritten (the tag then fails too, unless a check comes first). */
function withHeader(jwe: string, change: (header: Record<string, unknown>) => object): string {
  const [h = '', ...rest] = jwe.split('.');
  const header = JSON.parse(fromB64(h).toString()) as Record<string, unknown>;
  return [b64(change(header)), ...rest].join('.');
}

describe('JWE refusals', () => {
  it('refuses an ephemeral key off the curve (the invalid-curve attack), as jose does', async () => {
    const { privateJwk, publicJwk } = await generateKeyPairJwk('enc');
    const jwe = await encryptJson({ a: 1 }, publicJwk, TYP.cardDetails);
    const offCurve = withHeader(jwe, (header) => {
      const epk = header.epk as JWK;
      const y = Buffer.from(fromB64(epk.y ?? ''));
      y[31] = (y[31] ?? 0) ^ 1;
      return { ...header, epk: { ...epk, y: y.toString('base64url') } };
    });
    expect(() => fast.decryptCompact(offCurve, privateJwk)).toThrow(/not a point on P-256/);
    await expect(
      compactDecrypt(offCurve, await importJWK(privateJwk, 'ECDH-ES+A256KW')),
    ).rejects.toThrow();
    const withD = withHeader(jwe, (header) => ({
      ...header,
      epk: { ...(header.epk as JWK), d: privateJwk.d },
    }));
    expect(() => fast.decryptCompact(withD, privateJwk)).toThrow(/epk/);
    const otherCurve = withHeader(jwe, (header) => ({
      ...header,
      epk: { ...(header.epk as JWK), crv: 'P-384' },
    }));
    expect(() => fast.decryptCompact(otherCurve, privateJwk)).toThrow(/P-256/);
  });

  it('refuses other algorithms, zip, crit, a short tag, a long IV, and a changed ciphertext', async () => {
    const { privateJwk, publicJwk } = await generateKeyPairJwk('enc');
    const jwe = await encryptJson({ a: 1 }, publicJwk, TYP.cardDetails);
    expect(fast.decryptCompact(jwe, privateJwk).plaintext).toBeDefined();
    const cases: [string, RegExp][] = [
      [withHeader(jwe, (h) => ({ ...h, alg: 'ECDH-ES' })), /"alg"/],
      [withHeader(jwe, (h) => ({ ...h, enc: 'A128GCM' })), /"enc"/],
      [withHeader(jwe, (h) => ({ ...h, zip: 'DEF' })), /"zip"/],
      [withHeader(jwe, (h) => ({ ...h, crit: ['x'], x: 1 })), /"crit"/],
    ];
    const [h, k, iv = '', c = '', t = ''] = jwe.split('.');
    cases.push([`${h}.${k}.${iv}.${c}.${b64(fromB64(t).subarray(0, 15))}`, /tag/]);
    cases.push([`${h}.${k}.${b64(Buffer.concat([fromB64(iv), Buffer.alloc(4)]))}.${c}.${t}`, /iv/]);
    const flipped = Buffer.from(fromB64(c));
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    cases.push([`${h}.${k}.${iv}.${flipped.toString('base64url')}.${t}`, /authenticate/]);
    for (const [bad, reason] of cases)
      expect(() => fast.decryptCompact(bad, privateJwk)).toThrow(reason);
    const other = await generateKeyPairJwk('enc');
    expect(() => fast.decryptCompact(jwe, other.privateJwk)).toThrow();
  });
});
