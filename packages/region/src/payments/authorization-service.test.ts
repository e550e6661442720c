import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arpc, generateKeyPairJwk, type KeyPairJwk, type api } from '@domicile/protocol';
import { SANDBOX_SPEND_LIMIT_MINOR } from '../issuer/index.js';
import type { Region } from '../region-server.js';
import {
  NETWORK,
  US,
  createPaymentsFixture,
  paymentRequest,
  raceSameAtc,
  seedToken,
  signAuthorization,
  type PaymentsFixture,
  type SeededToken,
} from './payments.fixtures.js';

const GREEN = '4111111111111111';
const CLOSED = '4000777712345672';

let fixture: PaymentsFixture;
let us: Region;
let token: SeededToken;
let atc = 0;
const nextAtc = (): number => ++atc;

beforeAll(async () => {
  fixture = await createPaymentsFixture();
  us = await fixture.region('us');
  token = await seedToken(us, GREEN);
});
afterAll(async () => {
  await us.close();
});

async function authorize(
  request: unknown,
  claims: Partial<api.NetworkAuthorizationClaims> = {},
  key: KeyPairJwk = fixture.network,
) {
  const authorization = await signAuthorization(key, request, claims);
  const res = await us.app.inject({
    method: 'POST',
    url: '/v1/authorizations',
    payload: { authorization },
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>(), text: res.body };
}

describe('POST /v1/authorizations (in-process)', () => {
  it('approves a genuine cryptogram under the limit, with an ARPC the card can check, and records it', async () => {
    const n = nextAtc();
    const request = paymentRequest(token, { atc: n, amountMinor: 2_500 });
    const res = await authorize(request);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      region: 'us',
      approved: true,
      reason: 'approved',
      responseCode: '00',
      atc: n,
      csu: '00800000',
      tokenLast4: token.credential.token_number.slice(-4),
      amount: { minor: 2_500, currency: '840' },
    });
    const expected = arpc({
      imk: Buffer.from(us.context.keys.secrets.issuerMasterKey, 'hex'),
      pan: token.credential.token_number,
      psn: '00',
      cvn: 18,
      atc: n,
      arqc: Buffer.from(request.arqc, 'hex'),
      csu: Buffer.from('00800000', 'hex'),
    });
    expect(res.body.arpc).toBe(expected.toString('hex').toUpperCase());
    expect(res.text).not.toContain(GREEN);
    const credential = await us.context.db
      .selectFrom('credentials')
      .select('atc_last')
      .where('id', '=', token.credential.id)
      .executeTakeFirstOrThrow();
    expect(credential.atc_last).toBe(n);
    const row = await us.context.db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', res.body.authorizationId as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      approved: 1,
      reason: 'approved',
      amount_minor: 2_500,
      network: NETWORK,
      merchant_name: 'Corner Shop',
      channel: 'in_store',
      transaction_date: '2025-06-01',
    });
    expect(JSON.stringify(row)).not.toContain(GREEN);
  });

  it('refuses the same cryptogram again, and an older ATC, as atc_replayed without asking the issuer', async () => {
    const n = nextAtc();
    const request = paymentRequest(token, { atc: n });
    expect((await authorize(request)).body).toMatchObject({ approved: true });
    const again = await authorize(request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      approved: false,
      reason: 'atc_replayed',
      responseCode: '82',
    });
    expect((await authorize(paymentRequest(token, { atc: n - 1 }))).body).toMatchObject({
      approved: false,
      reason: 'atc_replayed',
    });
  });

  it('lets exactly one of several racing requests with the same ATC reach the vault and the issuer', async () => {
    const n = nextAtc();
    const race = await raceSameAtc(fixture, us, token, { atc: n, amounts: [100, 200, 300, 400] });
    expect(race.reasons).toEqual(['approved', 'atc_replayed', 'atc_replayed', 'atc_replayed']);
    expect(race.issuerCalls).toBe(1);
    expect(race.vaultOpens).toBe(1);
    expect(race.rows.filter((r) => r.approved === 1)).toHaveLength(1);
    expect(race.atcLast).toBe(n);
  });

  it("declines a changed amount, another token's cryptogram and wrong token data, without an ARPC", async () => {
    const genuine = paymentRequest(token, { atc: nextAtc(), amountMinor: 1_000 });
    const tampered = await authorize({
      ...genuine,
      emv: { ...genuine.emv, '9F02': '000000000001' },
    });
    expect(tampered.body).toMatchObject({
      approved: false,
      reason: 'cryptogram_invalid',
      amount: { minor: 1 },
    });
    expect(tampered.body).not.toHaveProperty('arpc');
    const other = await seedToken(us, '5100123456780053');
    const swapped = await authorize({
      ...paymentRequest(other, { atc: nextAtc() }),
      tokenNumber: token.credential.token_number,
    });
    expect(swapped.body).toMatchObject({ approved: false, reason: 'cryptogram_invalid' });
    expect(
      (await authorize({ ...genuine, tokenExpiry: { month: 11, year: 2099 } })).body,
    ).toMatchObject({ reason: 'token_data_mismatch' });
    // None of these moved the ATC on: the genuine request still goes through.
    expect((await authorize(genuine)).body).toMatchObject({ approved: true });
  });

  it('declines over the sandbox limit, and every payment of a closed account, with a declining CSU', async () => {
    const over = await authorize(
      paymentRequest(token, { atc: nextAtc(), amountMinor: SANDBOX_SPEND_LIMIT_MINOR + 1 }),
    );
    expect(over.body).toMatchObject({
      approved: false,
      reason: 'insufficient_funds',
      responseCode: '51',
      csu: '00000000',
    });
    expect(over.body.arpc).toMatch(/^[0-9A-F]{8}$/);
    const closed = await seedToken(us, CLOSED);
    expect(
      (await authorize(paymentRequest(closed, { atc: 1, amountMinor: 1 }))).body,
    ).toMatchObject({ approved: false, reason: 'account_closed', responseCode: '46' });
  });

  it("honours the token's state and its domain: the channel in the card's IAD must be the acquirer's", async () => {
    const states = [
      ['suspended', 'token_suspended'],
      ['deleted', 'token_deleted'],
      ['pending_activation', 'token_not_active'],
    ] as const;
    for (const [state, reason] of states) {
      const t = await seedToken(us, GREEN, { state });
      expect((await authorize(paymentRequest(t, { atc: 1 }))).body, state).toMatchObject({
        approved: false,
        reason,
        responseCode: '62',
      });
    }
    const mismatch = await authorize(
      paymentRequest(token, { atc: nextAtc(), channel: 'in_store', cardChannel: 'in_app' }),
    );
    expect(mismatch.body).toMatchObject({
      approved: false,
      reason: 'domain_mismatch',
      responseCode: '57',
    });
    expect(
      (await authorize(paymentRequest(token, { atc: nextAtc(), channel: 'in_app' }))).body,
    ).toMatchObject({ approved: true });
  });

  it("lists the device's transactions, newest first, with last 4 digits only", async () => {
    const url = `${US}/v1/transactions`;
    const res = await us.app.inject({
      method: 'GET',
      url: '/v1/transactions',
      headers: await token.device.headers('GET', url),
    });
    expect(res.statusCode).toBe(200);
    const { transactions } = res.json<api.TransactionListResponse>();
    expect(transactions.length).toBeGreaterThanOrEqual(8);
    expect(transactions[0]).toMatchObject({
      tokenRef: token.credential.token_ref,
      last4: '1111',
      tokenLast4: token.credential.token_number.slice(-4),
      region: 'us',
    });
    expect(transactions.map((t) => t.createdAt)).toEqual(
      [...transactions.map((t) => t.createdAt)].sort().reverse(),
    );
    expect(res.body).not.toContain(GREEN);
    expect(res.body).not.toContain(token.credential.token_number);
  });
});

describe('network authentication', () => {
  it('answers an unknown token as an error, not a decline', async () => {
    const res = await authorize({
      ...paymentRequest(token, { atc: nextAtc() }),
      tokenNumber: '4890009999999996',
    });
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'TOKEN_NOT_FOUND' } } });
  });

  it("refuses a network the directory does not list, a wrong key, another region's request, a stale one and a replay", async () => {
    const request = paymentRequest(token, { atc: nextAtc() });
    const stranger = await generateKeyPairJwk('sig');
    expect(await authorize(request, { iss: 'other-net' }, stranger)).toMatchObject({
      status: 401,
      body: { error: { code: 'NETWORK_CLIENT_UNKNOWN' } },
    });
    expect(await authorize(request, {}, stranger)).toMatchObject({
      status: 401,
      body: { error: { code: 'AUTHORIZATION_SIGNATURE_INVALID' } },
    });
    expect(await authorize(request, { aud: 'cn' })).toMatchObject({
      status: 401,
      body: { error: { code: 'AUTHORIZATION_SIGNATURE_INVALID' } },
    });
    expect(await authorize(request, { iat: Math.floor(Date.now() / 1000) - 600 })).toMatchObject({
      status: 401,
      body: { error: { code: 'AUTHORIZATION_SIGNATURE_INVALID' } },
    });
    const jti = 'replayed-jti-0123456789';
    expect((await authorize(request, { jti })).status).toBe(200);
    expect(await authorize(request, { jti })).toMatchObject({
      status: 401,
      body: { error: { code: 'AUTHORIZATION_REPLAYED' } },
    });
  });

  it('refuses a replay whose cryptogram did not verify, and a replay records no second transaction', async () => {
    const forged = { ...paymentRequest(token, { atc: nextAtc() }), arqc: '0000000000000000' };
    const jti = 'replayed-forgery-0123456789';
    expect(await authorize(forged, { jti })).toMatchObject({
      status: 200,
      body: { approved: false, reason: 'cryptogram_invalid' },
    });
    const recorded = async () =>
      (await us.context.db.selectFrom('transactions').select('id').execute()).length;
    const before = await recorded();
    expect(await authorize(forged, { jti })).toMatchObject({
      status: 401,
      body: { error: { code: 'AUTHORIZATION_REPLAYED' } },
    });
    expect(await recorded()).toBe(before);
  });

  it('names the bad field of a signed request, and refuses a body that is not a JWS', async () => {
    const bad = await authorize({ ...paymentRequest(token, { atc: nextAtc() }), arqc: 'XYZ' });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: { field: 'request/arqc' } } },
    });
    const res = await us.app.inject({
      method: 'POST',
      url: '/v1/authorizations',
      payload: { authorization: 'x'.repeat(40) },
    });
    expect(res.json()).toMatchObject({ error: { code: 'AUTHORIZATION_SIGNATURE_INVALID' } });
  });
});

describe('an issuer that does not answer', () => {
  it('declines with issuer_unavailable, and still accepts the ATC', async () => {
    const region = await fixture.region('us', {
      issuer: { kind: 'http', baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 },
    });
    try {
      const t = await seedToken(region, GREEN);
      const authorization = await signAuthorization(fixture.network, paymentRequest(t, { atc: 5 }));
      const res = await region.app.inject({
        method: 'POST',
        url: '/v1/authorizations',
        payload: { authorization },
      });
      expect(res.json()).toMatchObject({
        approved: false,
        reason: 'issuer_unavailable',
        responseCode: '91',
      });
      const stored = await region.context.db
        .selectFrom('credentials')
        .select('atc_last')
        .where('id', '=', t.credential.id)
        .executeTakeFirstOrThrow();
      expect(stored.atc_last).toBe(5);
    } finally {
      await region.close();
    }
  });
});
