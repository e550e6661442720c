import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, generateKeyPairJwk, signJson, type KeyPairJwk } from '@domicile/protocol';
import { openDatabase, purgeExpiredBatch } from '../../storage/index.js';
import type { Database } from '../../storage/index.js';
import { FRESHNESS, RETENTION_MARGIN_SECONDS } from '../freshness.js';
import { describeSignedRequestContract } from '../signed-request.contract.js';
import { newJti } from '../signed-request.fixtures.js';
import { verifyIssuerRequest } from './issuer-request.js';
import { TrustedIssuers } from './trusted-issuers.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const PATH = '/v1/issuer/credentials/tok_0123456789/suspend';
let db: Kysely<Database>;
let liberty: KeyPairJwk;
let issuers: TrustedIssuers;
let counter = 0;

const claims = (o: Partial<api.IssuerRequestClaims> = {}): api.IssuerRequestClaims => ({
  iss: 'liberty',
  aud: 'us',
  iat: Math.floor(NOW.getTime() / 1000),
  jti: `jti-${String(counter++).padStart(16, '0')}`,
  method: 'POST',
  path: PATH,
  body: { reason: 'fraud_suspected' },
  ...o,
});
const verify = (request: string | undefined, o: { path?: string; now?: Date } = {}) =>
  verifyIssuerRequest(db, issuers, {
    request,
    method: 'POST',
    path: o.path ?? PATH,
    region: 'us',
    now: o.now ?? NOW,
  });
const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'accepted',
    (e: unknown) => (e as { code?: unknown }).code,
  );

beforeAll(async () => {
  db = await openDatabase('sqlite::memory:');
  liberty = await generateKeyPairJwk('sig');
  issuers = await TrustedIssuers.fromConfig([
    { id: 'liberty', publicKey: liberty.publicJwk, productIds: ['us-liberty-visa'] },
  ]);
});
afterAll(async () => {
  await db.destroy();
});

describe('verifyIssuerRequest', () => {
  it('accepts a request signed by a trusted issuer for this region, method and path', async () => {
    const verified = await verify(await signJson(claims(), liberty.privateJwk, api.ISSUER_API_TYP));
    expect(verified.issuer.id).toBe('liberty');
    expect(verified.claims.body).toEqual({ reason: 'fraud_suspected' });
  });

  it('asks for issuer credentials when there are none', async () => {
    expect(await codeOf(verify(undefined))).toBe('ISSUER_AUTH_REQUIRED');
    expect(await codeOf(verify(''))).toBe('ISSUER_AUTH_REQUIRED');
  });

  it('refuses an unknown key, another typ, and a request for another region, method or path', async () => {
    const stranger = await generateKeyPairJwk('sig');
    expect(
      await codeOf(verify(await signJson(claims(), stranger.privateJwk, api.ISSUER_API_TYP))),
    ).toBe('ISSUER_AUTH_INVALID');
    expect(await codeOf(verify(await signJson(claims(), liberty.privateJwk, 'dpop+jwt')))).toBe(
      'ISSUER_AUTH_INVALID',
    );
    for (const wrong of [
      { aud: 'cn' },
      { iss: 'prairie' },
      { method: 'PUT' as const },
      { path: '/v1/issuer/credentials/other_token/delete' },
    ]) {
      expect(
        await codeOf(verify(await signJson(claims(wrong), liberty.privateJwk, api.ISSUER_API_TYP))),
        JSON.stringify(wrong),
      ).toBe('ISSUER_AUTH_INVALID');
    }
    expect(
      await codeOf(
        verify(
          await signJson({ ...claims(), jti: 'short' }, liberty.privateJwk, api.ISSUER_API_TYP),
        ),
      ),
    ).toBe('ISSUER_AUTH_INVALID');
  });

  it('refuses a stale request and a replayed one, and forgets jtis once they could not pass anyway', async () => {
    const old = await signJson(
      claims({ iat: Math.floor(NOW.getTime() / 1000) - api.ISSUER_API_MAX_AGE_SECONDS - 1 }),
      liberty.privateJwk,
      api.ISSUER_API_TYP,
    );
    expect(await codeOf(verify(old))).toBe('ISSUER_AUTH_EXPIRED');
    const once = await signJson(claims(), liberty.privateJwk, api.ISSUER_API_TYP);
    expect(await codeOf(verify(once))).toBe('accepted');
    expect(await codeOf(verify(once))).toBe('ISSUER_AUTH_REPLAYED');
    // Kept while it could pass (max age, and the second iat is rounded to), then the margin.
    const keptSeconds = api.ISSUER_API_MAX_AGE_SECONDS + 1 + RETENTION_MARGIN_SECONDS;
    const before = new Date(NOW.getTime() + keptSeconds * 1000);
    expect((await purgeExpiredBatch(db, 'single_use_ids', before)).deleted).toBe(0);
    const later = new Date(before.getTime() + 1);
    expect((await purgeExpiredBatch(db, 'single_use_ids', later)).deleted).toBeGreaterThan(0);
    expect(await codeOf(verify(once, { now: later }))).toBe('ISSUER_AUTH_EXPIRED');
  });
});

describe('TrustedIssuers', () => {
  it('indexes issuers by key thumbprint and by product', () => {
    expect(issuers.byKid(liberty.publicJwk.kid)?.id).toBe('liberty');
    expect(issuers.forProduct('us-liberty-visa')?.id).toBe('liberty');
    expect(issuers.forProduct('us-prairie-mastercard')).toBeUndefined();
  });

  it('refuses a configuration that is ambiguous or holds a private key', async () => {
    const other = await generateKeyPairJwk('sig');
    const bad = [
      [
        { id: 'a', publicKey: liberty.publicJwk, productIds: ['p'] },
        { id: 'b', publicKey: other.publicJwk, productIds: ['p'] },
      ],
      [
        { id: 'a', publicKey: liberty.publicJwk, productIds: [] },
        { id: 'a', publicKey: other.publicJwk, productIds: [] },
      ],
      [
        { id: 'a', publicKey: liberty.publicJwk, productIds: [] },
        { id: 'b', publicKey: liberty.publicJwk, productIds: [] },
      ],
      [{ id: 'a', publicKey: liberty.privateJwk, productIds: [] }],
      [{ id: 'a b', publicKey: liberty.publicJwk, productIds: [] }],
      [{ id: 'a', publicKey: liberty.publicJwk, webhookUrl: 'ftp://x', productIds: [] }],
    ];
    for (const config of bad)
      expect(
        await codeOf(TrustedIssuers.fromConfig(config)),
        JSON.stringify(config.map((c) => c.id)),
      ).toBe('CONFIG_INVALID');
  });
});

describeSignedRequestContract({
  name: 'issuer API request',
  setup: async () => {
    const database = await openDatabase('sqlite::memory:');
    const { privateJwk: key, publicJwk } = await generateKeyPairJwk('sig');
    const trusted = await TrustedIssuers.fromConfig([
      { id: 'liberty', publicKey: publicJwk, productIds: ['us-liberty-visa'] },
    ]);
    const invalid = 'ISSUER_AUTH_INVALID';
    return {
      policy: FRESHNESS.issuerRequest,
      codes: {
        invalid,
        unknownKey: invalid,
        audience: invalid,
        expired: 'ISSUER_AUTH_EXPIRED',
        future: 'ISSUER_AUTH_EXPIRED',
        replayed: 'ISSUER_AUTH_REPLAYED',
      },
      key,
      claims: (iat) => ({ ...claims({ iat }), jti: newJti() }),
      header: (signer) => ({ typ: api.ISSUER_API_TYP, kid: signer.kid }),
      elsewhere: (c) => ({ ...c, aud: 'cn' }),
      stranger: async (c) => ({ claims: c, key: (await generateKeyPairJwk('sig')).privateJwk }),
      submit: (request, now) =>
        verifyIssuerRequest(database, trusted, {
          request,
          method: 'POST',
          path: PATH,
          region: 'us',
          now,
        }),
      close: () => database.destroy(),
    };
  },
});
