import { CompactSign, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtExpired, generateKeyPairJwk, importKey, signJson, verifyJwt } from './index.js';

const now = new Date('2026-12-01T12:00:00Z');
const t = Math.floor(now.getTime() / 1000);

/** verifyJwt's verdict beside jose's jwtVerify, on the same JWT, key, `typ` and clock. */
async function both(jwt: string, key: Awaited<ReturnType<typeof generateKeyPairJwk>>, typ: string) {
  const ours = await verifyJwt(jwt, { typ, now, key: () => key.publicJwk }).then(
    () => 'ok',
    (e: unknown) => (e instanceof JwtExpired ? 'expired' : 'invalid'),
  );
  const jose = await jwtVerify(jwt, await importKey(key.publicJwk, 'ES256'), {
    typ,
    currentDate: now,
    algorithms: ['ES256'],
  }).then(
    () => 'ok',
    (e: unknown) => ((e as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid'),
  );
  return { ours, jose };
}

describe('verifyJwt, against jose jwtVerify', () => {
  it('agrees on typ spellings, exp, nbf, iat and claims that are no object', async () => {
    const key = await generateKeyPairJwk('sig');
    const cases: [object | string, string, string][] = [
      [{ iat: t, exp: t + 10 }, 'dpop+jwt', 'ok'],
      [{ iat: t }, 'application/DPoP+JWT', 'ok'],
      [{ iat: t }, 'domicile-directory+jws', 'invalid'],
      [{ iat: t, exp: t }, 'dpop+jwt', 'expired'],
      [{ iat: t, nbf: t + 1 }, 'dpop+jwt', 'invalid'],
      [{ iat: String(t) }, 'dpop+jwt', 'invalid'],
      [{ iat: t, exp: 'later' }, 'dpop+jwt', 'invalid'],
    ];
    for (const [claims, typ, expected] of cases) {
      const jwt = await signJson(claims, key.privateJwk, 'dpop+jwt');
      expect({ claims, typ, ...(await both(jwt, key, typ)) }).toEqual({
        claims,
        typ,
        ours: expected,
        jose: expected,
      });
    }
    const notAnObject = await new CompactSign(new TextEncoder().encode('[1]'))
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt' })
      .sign(await importKey(key.privateJwk, 'ES256'));
    expect(await both(notAnObject, key, 'dpop+jwt')).toEqual({ ours: 'invalid', jose: 'invalid' });
  });
});
