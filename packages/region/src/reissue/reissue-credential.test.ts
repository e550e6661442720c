import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TYP,
  api,
  encryptJson,
  generateKeyPairJwk,
  signJson,
  type KeyPairJwk,
  type PublicJwk,
} from '@domicile/protocol';
import { loadLifecycle } from '../lifecycle/index.js';
import type { Region } from '../region-server.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import {
  createPaymentsFixture,
  paymentRequest,
  seedToken,
  signAuthorization,
  type PaymentsFixture,
  type SeededToken,
} from '../payments/payments.fixtures.js';

const GREEN = '4111111111111111';
/** The sandbox's renewed card for GREEN: another number, expiry 12/2032 (test-cards.ts). */
const RENEWED = { pan: '4111110000002019', expiry: { month: 12, year: 2032 }, name: 'Jane Doe' };
const skipPg = process.env.DOMICILE_SKIP_PG === '1';

describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('reissue and issuer look-ups on %s (in-process)', (dialect, skip) => {
  let fixture: PaymentsFixture;
  let database: TestPostgresDatabase | undefined;
  let us: Region;
  let liberty: KeyPairJwk;
  let prairie: KeyPairJwk;
  let atc = 0;

  beforeAll(async () => {
    if (skip) return;
    fixture = await createPaymentsFixture();
    [liberty, prairie] = await Promise.all([generateKeyPairJwk('sig'), generateKeyPairJwk('sig')]);
    if (dialect === 'postgres') database = await createTestPostgresDatabase('domicile_reissue');
    us = await fixture.region('us', {
      ...(database === undefined ? {} : { databaseUrl: database.connectionString }),
      issuers: [
        {
          id: 'liberty',
          publicKey: liberty.publicJwk,
          productIds: ['us-liberty-visa'],
          webhookUrl: 'http://127.0.0.1:9/webhooks',
        },
        { id: 'prairie', publicKey: prairie.publicJwk, productIds: ['us-prairie-mastercard'] },
      ],
    });
  });
  afterAll(async () => {
    await us?.close();
    await database?.drop();
  });

  const usKey = (): PublicJwk => {
    const key = us.context.directory.key('us', 'encryption');
    if (key === undefined) throw new Error('no us encryption key');
    return key;
  };
  const signed = (
    key: KeyPairJwk,
    iss: string,
    method: 'POST' | 'GET',
    path: string,
    body: unknown,
  ): Promise<string> =>
    signJson(
      {
        iss,
        aud: 'us',
        iat: Math.floor(Date.now() / 1000),
        jti: randomBytes(18).toString('base64url'),
        method,
        path,
        body,
      },
      key.privateJwk,
      api.ISSUER_API_TYP,
    );

  async function reissue(
    tokenRef: string,
    card: unknown,
    options: { key?: string | null; as?: [KeyPairJwk, string]; to?: PublicJwk } = {},
  ) {
    const path = `/v1/issuer/credentials/${tokenRef}/reissue`;
    const [key, iss] = options.as ?? [liberty, 'liberty'];
    const encrypted = await encryptJson(card, options.to ?? usKey(), TYP.reissuedCard);
    const request = await signed(key, iss, 'POST', path, { card: encrypted });
    const res = await us.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/json',
        ...(options.key === null
          ? {}
          : { 'idempotency-key': options.key ?? randomBytes(18).toString('base64url') }),
      },
      payload: { request },
    });
    return {
      status: res.statusCode,
      body: res.json<api.IssuerReissueResponse & { error?: { code: string } }>(),
      replayed: res.headers['idempotent-replayed'] === 'true',
    };
  }

  async function lookUp(pathAndQuery: string, as: [KeyPairJwk, string] = [liberty, 'liberty']) {
    const request = await signed(as[0], as[1], 'GET', pathAndQuery, null);
    const res = await us.app.inject({
      method: 'GET',
      url: pathAndQuery,
      headers: { [api.HEADERS.issuerRequest]: request },
    });
    return {
      status: res.statusCode,
      body: res.json<
        api.IssuerTokenListResponse & api.IssuerTokenResponse & { error?: { code: string } }
      >(),
    };
  }

  async function pay(token: SeededToken): Promise<api.AuthorizationResponse> {
    const authorization = await signAuthorization(
      fixture.network,
      paymentRequest(token, { atc: ++atc }),
    );
    const res = await us.app.inject({
      method: 'POST',
      url: '/v1/authorizations',
      payload: { authorization },
    });
    expect(res.statusCode).toBe(200);
    return res.json<api.AuthorizationResponse>();
  }

  const vaultRecord = (id: string) =>
    us.context.db
      .selectFrom('vault_records')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const credentialRow = (id: string) =>
    us.context.db
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it.skipIf(skip)(
    'replaces the card behind a token: new vault record, old key erased, device notified, issuer told, the next payment authorized against the new card',
    async () => {
      const token = await seedToken(us, GREEN);
      expect((await pay(token)).reason).toBe('approved');
      const key = 'reissue-key-0123456789';

      const first = await reissue(token.credential.token_ref, RENEWED, { key });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        changed: true,
        credential: {
          tokenRef: token.credential.token_ref,
          last4: '2019',
          tokenLast4: token.credential.token_number.slice(-4),
          state: 'active',
          deviceId: token.credential.device_id,
          productId: 'us-liberty-visa',
        },
      });
      expect(first.body.credential.lastUsedAt).toEqual(expect.any(String));
      expect(JSON.stringify(first.body)).not.toContain(RENEWED.pan);
      expect(JSON.stringify(first.body)).not.toContain(token.credential.token_number);

      // The token stays (same number, same device); the card behind it is a new vault record.
      const after = await credentialRow(token.credential.id);
      expect(after).toMatchObject({
        token_number: token.credential.token_number,
        device_id: token.credential.device_id,
        last4: '2019',
      });
      expect(after.vault_record_id).not.toBe(token.credential.vault_record_id);
      expect(after.pan_hash).toBe(us.context.vault.panHash(RENEWED.pan));
      expect(await us.context.vault.open(us.context.db, after.vault_record_id)).toEqual(RENEWED);
      const old = await vaultRecord(token.credential.vault_record_id);
      expect(old.wrapped_key).toBeNull();
      expect(old.erased_at).not.toBeNull();
      await expect(
        us.context.vault.open(us.context.db, token.credential.vault_record_id),
      ).rejects.toMatchObject({ code: 'VAULT_RECORD_ERASED' });

      const notified = await us.context.db
        .selectFrom('notifications')
        .select(['type', 'data'])
        .where('device_id', '=', token.credential.device_id)
        .execute();
      expect(notified.map((n) => JSON.parse(n.data) as unknown)).toContainEqual({
        type: 'credential.updated',
        tokenRef: token.credential.token_ref,
        last4: '2019',
        expiry: RENEWED.expiry,
      });
      const webhooks = await us.context.db
        .selectFrom('webhook_deliveries')
        .select(['type', 'payload'])
        .where('type', '=', 'token.reissued')
        .execute();
      expect(webhooks).toHaveLength(1);
      expect(JSON.parse(webhooks[0]?.payload ?? '{}')).toMatchObject({
        type: 'token.reissued',
        issuer: 'liberty',
        token: { tokenRef: token.credential.token_ref, last4: '2019' },
        actor: 'issuer',
        reason: 'card_replaced',
      });
      const audit = await us.context.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'credential.reissued')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        actor: 'issuer:liberty',
        subject: token.credential.token_ref,
      });
      expect(audit[0]?.detail).not.toContain(RENEWED.pan);
      expect(audit[0]?.detail).not.toContain('2032');

      // The sandbox issuer knows the renewed card with its own expiry: approved.
      expect((await pay(token)).reason).toBe('approved');

      // A retry with the same key (the card encrypted anew) is answered from the first attempt.
      const retry = await reissue(token.credential.token_ref, RENEWED, { key });
      expect(retry).toMatchObject({ status: 200, replayed: true, body: first.body });
      const records = await us.context.db
        .selectFrom('vault_records')
        .select('id')
        .where('pan_hash', '=', us.context.vault.panHash(RENEWED.pan))
        .execute();
      expect(records).toHaveLength(1);
      // The same key with another card is refused; a new key with the same card changes nothing.
      const other = { ...RENEWED, expiry: { month: 11, year: 2032 } };
      expect((await reissue(token.credential.token_ref, other, { key })).body.error?.code).toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
      const again = await reissue(token.credential.token_ref, RENEWED);
      expect(again).toMatchObject({ status: 200, replayed: false, body: { changed: false } });
    },
  );

  it.skipIf(skip)(
    'authorizes against the new expiry: a card the issuer knows with another expiry declines, its own approves',
    async () => {
      const token = await seedToken(us, GREEN);
      const wrongExpiry = { pan: GREEN, expiry: { month: 12, year: 2031 }, name: 'Jane Doe' };
      expect((await reissue(token.credential.token_ref, wrongExpiry)).status).toBe(200);
      expect((await pay(token)).reason).toBe('do_not_honor');
      const right = { pan: GREEN, expiry: { month: 12, year: 2030 }, name: 'Jane Doe' };
      const back = await reissue(token.credential.token_ref, right);
      expect(back.body).toMatchObject({ changed: true, credential: { last4: '1111' } });
      expect((await pay(token)).reason).toBe('approved');
    },
  );

  it.skipIf(skip)(
    "refuses another issuer's token, a card of another network or region, a card encrypted to another region, a deleted token and a missing key",
    async () => {
      const token = await seedToken(us, GREEN);
      const ref = token.credential.token_ref;
      const code = async (p: ReturnType<typeof reissue>) => (await p).body.error?.code;
      expect(await code(reissue(ref, RENEWED, { as: [prairie, 'prairie'] }))).toBe(
        'ISSUER_FORBIDDEN',
      );
      const mastercard = { ...RENEWED, pan: '5100123456780053' };
      expect(await code(reissue(ref, mastercard))).toBe('CARD_NETWORK_MISMATCH');
      const euCard = { ...RENEWED, pan: '4500123456781019' };
      expect(await code(reissue(ref, euCard))).toBe('REGION_NOT_OWNER');
      const expired = { ...RENEWED, expiry: { month: 1, year: 2020 } };
      expect(await code(reissue(ref, expired))).toBe('CARD_DETAILS_INVALID');
      const euKey = us.context.directory.key('eu', 'encryption');
      expect(await code(reissue(ref, RENEWED, { to: euKey as PublicJwk }))).toBe(
        'CARD_DETAILS_WRONG_REGION',
      );
      expect(await code(reissue(ref, RENEWED, { key: null }))).toBe('IDEMPOTENCY_KEY_REQUIRED');
      expect(await code(reissue('no-such-token-ref-000', RENEWED))).toBe('CREDENTIAL_NOT_FOUND');
      // Nothing of the refused attempts reached the token.
      expect((await credentialRow(token.credential.id)).vault_record_id).toBe(
        token.credential.vault_record_id,
      );
      // The device already holds a token of the new card: one live token per card per device.
      const second = await seedToken(us, '4000555566660028', {
        device_id: token.credential.device_id,
        account_id: token.credential.account_id,
      });
      expect(
        await code(
          reissue(second.credential.token_ref, {
            ...RENEWED,
            pan: GREEN,
            expiry: { month: 12, year: 2030 },
          }),
        ),
      ).toBe('CARD_ALREADY_PROVISIONED');
      expect((await credentialRow(second.credential.id)).last4).toBe('0028');
      const deleted = await seedToken(us, GREEN, { state: 'deleted' });
      expect(await code(reissue(deleted.credential.token_ref, RENEWED))).toBe('CREDENTIAL_STATE');
    },
  );

  it.skipIf(skip)(
    'lists and reads only the issuer’s own tokens, filtered and paged in a stable order, never a number',
    async () => {
      const mine = [
        await seedToken(us, GREEN),
        await seedToken(us, '4000555566660028'),
        await seedToken(us, GREEN, { state: 'suspended' }),
      ];
      const theirs = await seedToken(us, '5100123456780053');
      // Look-ups read the lifecycle row a token gets at tokenization; the seeded ones get it on a read.
      await us.context.db.transaction().execute(async (trx) => {
        for (const t of [...mine, theirs]) await loadLifecycle(trx, t.credential);
      });

      const all: api.IssuerTokenView[] = [];
      let cursor: string | undefined;
      do {
        const page = await lookUp(
          `/v1/issuer/credentials?limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.credentials.length).toBeLessThanOrEqual(2);
        all.push(...page.body.credentials);
        cursor = page.body.nextCursor;
      } while (cursor !== undefined);
      const refs = all.map((c) => c.tokenRef);
      expect(new Set(refs).size).toBe(refs.length);
      for (const t of mine) expect(refs).toContain(t.credential.token_ref);
      expect(refs).not.toContain(theirs.credential.token_ref);
      expect(all.every((c) => c.productId === 'us-liberty-visa')).toBe(true);
      const sorted = [...all].sort((a, b) =>
        a.createdAt === b.createdAt
          ? a.tokenRef < b.tokenRef
            ? -1
            : 1
          : a.createdAt < b.createdAt
            ? -1
            : 1,
      );
      expect(all).toEqual(sorted);
      const text = JSON.stringify(all);
      for (const t of [...mine, theirs]) expect(text).not.toContain(t.credential.token_number);
      expect(text).not.toContain(GREEN);

      const suspended = await lookUp('/v1/issuer/credentials?state=suspended&last4=1111');
      expect(suspended.body.credentials.map((c) => c.tokenRef)).toContain(
        mine[2]?.credential.token_ref,
      );
      expect(suspended.body.credentials.every((c) => c.state === 'suspended')).toBe(true);
      const byDevice = await lookUp(
        `/v1/issuer/credentials?deviceId=${mine[1]?.credential.device_id ?? ''}`,
      );
      expect(byDevice.body.credentials.map((c) => c.tokenRef)).toEqual([
        mine[1]?.credential.token_ref,
      ]);
      const prairieView = await lookUp('/v1/issuer/credentials', [prairie, 'prairie']);
      expect(prairieView.body.credentials.map((c) => c.tokenRef)).toEqual([
        theirs.credential.token_ref,
      ]);

      const one = await lookUp(`/v1/issuer/credentials/${mine[0]?.credential.token_ref ?? ''}`);
      expect(one.body.credential).toMatchObject({
        tokenRef: mine[0]?.credential.token_ref,
        deviceId: mine[0]?.credential.device_id,
        last4: '1111',
      });
      // Another issuer's token reads as absent, by list filter or by reference.
      expect(
        (await lookUp(`/v1/issuer/credentials/${theirs.credential.token_ref}`)).body.error?.code,
      ).toBe('CREDENTIAL_NOT_FOUND');
      expect(
        (await lookUp('/v1/issuer/credentials?productId=us-prairie-mastercard')).body.error?.code,
      ).toBe('ISSUER_FORBIDDEN');
      expect(
        (await lookUp('/v1/issuer/credentials?cursor=bm90LWEtY3Vyc29y')).body.error?.code,
      ).toBe('CURSOR_INVALID');
      expect((await lookUp('/v1/issuer/credentials?limit=201')).status).toBe(400);
    },
  );

  it.skipIf(skip)(
    'shows a token last used at its last verified authorization: a bad cryptogram or a replayed ATC does not move it',
    async () => {
      const token = await seedToken(us, GREEN);
      await us.context.db.transaction().execute((trx) => loadLifecycle(trx, token.credential));
      const lastUsedAt = async () => {
        const res = await lookUp(`/v1/issuer/credentials/${token.credential.token_ref}`);
        expect(res.status).toBe(200);
        return res.body.credential.lastUsedAt;
      };
      const authorize = async (request: api.AuthorizationRequest) => {
        const res = await us.app.inject({
          method: 'POST',
          url: '/v1/authorizations',
          payload: { authorization: await signAuthorization(fixture.network, request) },
        });
        expect(res.statusCode).toBe(200);
        return res.json<api.AuthorizationResponse>();
      };
      const forged = (request: api.AuthorizationRequest) => ({
        ...request,
        arqc: request.arqc.startsWith('0')
          ? `1${request.arqc.slice(1)}`
          : `0${request.arqc.slice(1)}`,
      });

      expect((await authorize(forged(paymentRequest(token, { atc: ++atc })))).reason).toBe(
        'cryptogram_invalid',
      );
      expect(await lastUsedAt()).toBeUndefined();

      const genuine = paymentRequest(token, { atc: ++atc });
      const approved = await authorize(genuine);
      expect(approved.reason).toBe('approved');
      const used = await lastUsedAt();
      expect(used).toEqual(expect.any(String));
      // The claim's time, taken before the issuer was asked and the transaction recorded.
      expect(used !== undefined && used <= approved.createdAt).toBe(true);

      expect((await authorize(genuine)).reason).toBe('atc_replayed');
      expect((await authorize(forged(paymentRequest(token, { atc: ++atc })))).reason).toBe(
        'cryptogram_invalid',
      );
      expect(await lastUsedAt()).toBe(used);
    },
  );

  it.skipIf(skip)(
    'binds a look-up’s signature to its query: a signed request sent with another query is refused',
    async () => {
      const request = await signed(
        liberty,
        'liberty',
        'GET',
        '/v1/issuer/credentials?state=active',
        null,
      );
      const res = await us.app.inject({
        method: 'GET',
        url: '/v1/issuer/credentials?state=suspended',
        headers: { [api.HEADERS.issuerRequest]: request },
      });
      expect(res.json<{ error: { code: string } }>().error.code).toBe('ISSUER_AUTH_INVALID');
      const unsigned = await us.app.inject({ method: 'GET', url: '/v1/issuer/credentials' });
      expect(unsigned.json<{ error: { code: string } }>().error.code).toBe('ISSUER_AUTH_REQUIRED');
    },
  );
});
