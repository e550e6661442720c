import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  generateKeyPairJwk,
  makePushPayload,
  signJson,
  verifyDirectory,
  type Directory,
  type KeyPairJwk,
} from '@domicile/protocol';
import { TEST_CARDS, type TestCard } from '../issuer/index.js';
import { createRegion, type Region } from '../region-server.js';
import {
  createRegionFixture,
  createTestDevice,
  type RegionFixture,
  type TestDevice,
} from '../testing/region-fixture.js';

const US = 'http://127.0.0.1:17101';
let fixture: RegionFixture;
let directory: Directory;
let us: Region;
let device: TestDevice;
let deviceJkt: string;
let liberty: KeyPairJwk;
let prairie: KeyPairJwk;

function card(outcome: TestCard['outcome'], region = 'us', network = 'visa'): TestCard {
  const found = TEST_CARDS.find(
    (c) => c.region === region && c.outcome === outcome && c.network === network,
  );
  if (found === undefined) throw new Error(`no ${outcome} ${region} test card`);
  return found;
}
const yellow = card('yellow');
const green = card('green');

async function jktOf(d: TestDevice): Promise<string> {
  const { jwk } = decodeProtectedHeader(await d.proof('GET', US)) as { jwk: JWK };
  return calculateJwkThumbprint(jwk);
}

async function post(path: string, body: unknown, from: TestDevice = device) {
  return us.app.inject({
    method: 'POST',
    url: path,
    headers: await from.headers('POST', `${US}${path}`),
    payload: JSON.stringify(body),
  });
}

/** A session for a card up to its card step: message, eligibility, terms. */
async function sessionAtCardStep(c: TestCard, from: TestDevice = device): Promise<string> {
  const opened = await post(
    '/v1/provisioning',
    {
      routingPrefix: c.pan.slice(0, 8),
      last4: c.pan.slice(-4),
      network: c.network,
      device: { encryptionKey: from.encryption.publicJwk },
    },
    from,
  );
  expect(opened.statusCode).toBe(201);
  const sessionId = opened.json<api.ProvisioningMessageResponse & { outcome: 'session' }>().session
    .id;
  const elig = await post(`/v1/provisioning/${sessionId}/eligibility`, {}, from);
  const terms = elig.json<api.EligibilityResponse>().terms;
  if (terms === undefined) throw new Error('no terms');
  const accepted = await post(
    `/v1/provisioning/${sessionId}/terms`,
    { termsId: terms.id, hash: terms.hash, accepted: true },
    from,
  );
  expect(accepted.statusCode).toBe(200);
  return sessionId;
}

function pushPayloadOf(
  c: TestCard,
  o: { issuer?: string; key?: KeyPairJwk; jkt?: string; now?: Date } = {},
) {
  return makePushPayload({
    issuerId: o.issuer ?? 'liberty',
    issuerKey: (o.key ?? liberty).privateJwk,
    directory,
    card: { pan: c.pan, expiry: c.expiry, cvv: c.cvv, name: c.name },
    network: c.network,
    deviceJkt: o.jkt ?? deviceJkt,
    ...(o.now === undefined ? {} : { now: o.now }),
  });
}

/** The same payload's claims, changed and signed again by `key`. */
async function resigned(
  payload: string,
  change: Partial<api.PushPayloadClaims>,
  key: KeyPairJwk = liberty,
): Promise<string> {
  const claims = decodeJwt(payload) as api.PushPayloadClaims;
  return signJson({ ...claims, ...change }, key.privateJwk, api.PUSH_PAYLOAD_TYP);
}

async function pushed(sessionId: string, pushPayload: string) {
  return post(`/v1/provisioning/${sessionId}/push-payload`, { pushPayload });
}
const codeOf = (res: { json: () => unknown }): unknown =>
  (res.json() as { error?: { code?: string } }).error?.code;

beforeAll(async () => {
  fixture = await createRegionFixture();
  directory = await verifyDirectory(fixture.directoryJws, fixture.authorityKey);
  [liberty, prairie] = await Promise.all([generateKeyPairJwk('sig'), generateKeyPairJwk('sig')]);
  const keys = fixture.keys.get('us');
  if (keys === undefined) throw new Error('no us keys');
  us = await createRegion({
    region: 'us',
    directoryJws: fixture.directoryJws,
    authorityKey: fixture.authorityKey,
    keys,
    databaseUrl: 'sqlite::memory:',
    issuer: { kind: 'sandbox' },
    logLevel: 'silent',
    tsmPollMs: 60_000,
    issuers: [
      { id: 'liberty', publicKey: liberty.publicJwk, productIds: ['us-liberty-visa'] },
      { id: 'prairie', publicKey: prairie.publicJwk, productIds: ['us-prairie-mastercard'] },
    ],
  });
  device = await createTestDevice();
  deviceJkt = await jktOf(device);
  const reg = await post('/v1/accounts', {
    name: 'Jane Doe',
    email: 'jane@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
  expect(reg.statusCode).toBe(201);
});
afterAll(async () => {
  await us.close();
});

describe('POST /v1/provisioning/{sessionId}/push-payload', () => {
  let used: string;

  it('takes a yellow card from its issuer without ID&V, and says why in the audit log', async () => {
    const sessionId = await sessionAtCardStep(yellow);
    const made = await pushPayloadOf(yellow);
    expect(made.region).toBe('us');
    used = made.payload;
    const res = await pushed(sessionId, made.payload);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ session: { state: 'ready', decision: 'yellow' } });
    expect(res.json<api.SessionResponse>().session.idvMethods).toBeUndefined();
    const tokenized = await post(`/v1/provisioning/${sessionId}/tokenize`, {});
    expect(tokenized.statusCode).toBe(200);
    expect(tokenized.json<api.TokenizeResponse>().credential.last4).toBe(yellow.pan.slice(-4));

    const audit = await us.context.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'detail'])
      .where('subject', '=', sessionId)
      .orderBy('seq')
      .execute();
    const actions = audit.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['card.received', 'card.pushed', 'idv.skipped']),
    );
    expect(actions).not.toContain('idv.code_sent');
    const skipped = audit.find((r) => r.action === 'idv.skipped');
    expect(skipped?.actor).toBe('issuer:liberty');
    expect(JSON.parse(skipped?.detail ?? '{}')).toMatchObject({ reason: 'issuer-push-payload' });
    expect(JSON.stringify(audit)).not.toContain(yellow.pan);
  });

  it('refuses the same payload a second time: PUSH_PAYLOAD_REPLAYED', async () => {
    const sessionId = await sessionAtCardStep(yellow);
    const res = await pushed(sessionId, used);
    expect(res.statusCode).toBe(409);
    expect(codeOf(res)).toBe('PUSH_PAYLOAD_REPLAYED');
  });

  it('refuses an expired payload, and one that grants itself a long life', async () => {
    const sessionId = await sessionAtCardStep(green);
    const old = await pushPayloadOf(green, { now: new Date(Date.now() - 6 * 60_000) });
    const res = await pushed(sessionId, old.payload);
    expect(res.statusCode).toBe(410);
    expect(codeOf(res)).toBe('PUSH_PAYLOAD_EXPIRED');
    const fresh = (await pushPayloadOf(green)).payload;
    const iat = Math.floor(Date.now() / 1000);
    const long = await resigned(fresh, {
      iat,
      exp: iat + api.PUSH_PAYLOAD_MAX_LIFETIME_SECONDS + 1,
    });
    expect(codeOf(await pushed(sessionId, long))).toBe('PUSH_PAYLOAD_INVALID');
  });

  it('refuses a tampered payload: PUSH_PAYLOAD_INVALID', async () => {
    const sessionId = await sessionAtCardStep(green);
    const { payload } = await pushPayloadOf(green);
    const [header, body, signature] = payload.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as api.PushPayloadClaims;
    const otherDevice = { ...claims, exp: claims.exp + 60 };
    const swapped = `${header}.${Buffer.from(JSON.stringify(otherDevice)).toString('base64url')}.${signature}`;
    const flipped = `${payload.slice(0, -4)}${payload.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    for (const tampered of [
      swapped,
      flipped,
      'not.a.jwt-at-all-but-long-enough-for-the-schema-0123456789-0123456789',
    ]) {
      const res = await pushed(sessionId, tampered);
      expect(res.statusCode, tampered.slice(0, 20)).toBe(422);
      expect(codeOf(res)).toBe('PUSH_PAYLOAD_INVALID');
    }
    // Signed, but the card it names is not the session's.
    const other = (await pushPayloadOf(card('green', 'us', 'visa'))).payload;
    const mismatched = await resigned(other, {
      card: { routingPrefix: green.pan.slice(0, 8), last4: '0000', network: 'visa' },
    });
    expect(codeOf(await pushed(sessionId, mismatched))).toBe('PUSH_PAYLOAD_INVALID');
    // Nothing refused was spent: the untouched payload still adds the card.
    expect((await pushed(sessionId, payload)).json()).toMatchObject({
      session: { state: 'ready' },
    });
  });

  it('refuses a payload for another region, unread: PUSH_PAYLOAD_WRONG_REGION', async () => {
    const sessionId = await sessionAtCardStep(yellow);
    // An eu card's payload, as an eu issuer makes it: sealed to eu's key, for eu. This region
    // trusts no eu issuer and holds no eu key: it refuses by the audience alone.
    const eu = card('green', 'eu');
    const euIssuer = await generateKeyPairJwk('sig');
    const forEu = await pushPayloadOf(eu, { issuer: 'lumiere', key: euIssuer });
    expect(forEu.region).toBe('eu');
    const res = await pushed(sessionId, forEu.payload);
    expect(res.statusCode).toBe(422);
    expect(codeOf(res)).toBe('PUSH_PAYLOAD_WRONG_REGION');
    // Signed for us by the right issuer, but the card sealed to eu's key.
    const euSealed = decodeJwt(forEu.payload) as api.PushPayloadClaims;
    const own = (await pushPayloadOf(yellow)).payload;
    const sealedElsewhere = await resigned(own, { cardDetails: euSealed.cardDetails });
    expect(codeOf(await pushed(sessionId, sealedElsewhere))).toBe('PUSH_PAYLOAD_WRONG_REGION');
  });

  it("refuses a payload not signed by the card's issuer: PUSH_PAYLOAD_WRONG_ISSUER", async () => {
    const sessionId = await sessionAtCardStep(green);
    const stranger = await generateKeyPairJwk('sig');
    for (const payload of [
      // Trusted here, but the issuer of another product.
      (await pushPayloadOf(green, { issuer: 'prairie', key: prairie })).payload,
      // A key nobody trusts.
      (await pushPayloadOf(green, { key: stranger })).payload,
      // A trusted key speaking in the card issuer's name.
      (await pushPayloadOf(green, { issuer: 'liberty', key: prairie })).payload,
    ]) {
      const res = await pushed(sessionId, payload);
      expect(res.statusCode).toBe(403);
      expect(codeOf(res)).toBe('PUSH_PAYLOAD_WRONG_ISSUER');
    }
  });

  it('refuses a payload bound to another device: PUSH_PAYLOAD_WRONG_DEVICE', async () => {
    const sessionId = await sessionAtCardStep(green);
    const other = await createTestDevice();
    const res = await pushed(
      sessionId,
      (await pushPayloadOf(green, { jkt: await jktOf(other) })).payload,
    );
    expect(res.statusCode).toBe(403);
    expect(codeOf(res)).toBe('PUSH_PAYLOAD_WRONG_DEVICE');
  });

  it('is in the OpenAPI document', async () => {
    const res = await us.app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json<{ paths: Record<string, { post?: { operationId?: string } }> }>();
    expect(doc.paths['/v1/provisioning/{sessionId}/push-payload']?.post?.operationId).toBe(
      'sendPushPayload',
    );
  });
});
