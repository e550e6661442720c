import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { TYP, decryptText } from '@domicile/protocol';
import { requestHash } from '../idempotency/index.js';
import { TEST_CARDS, type EligibilityRequest, type IssuerGateway } from '../issuer/index.js';
import { publicKeysOf, type RegionKeySet } from '../keys/index.js';
import type { Region } from '../region-server.js';
import {
  createRegionFixture,
  createTestDevice,
  encryptCardDetails,
  type RegionFixture,
  type TestDevice,
} from '../testing/region-fixture.js';

const US = 'http://127.0.0.1:17101';
let fixture: RegionFixture;
let us: Region;
let device: TestDevice;

beforeAll(async () => {
  fixture = await createRegionFixture();
  us = await fixture.region('us');
  device = await createTestDevice();
});
afterAll(async () => {
  await us.close();
});

async function post(
  path: string,
  body: unknown,
  options: { key?: string; raw?: string; headers?: Record<string, string> } = {},
) {
  const headers = {
    ...(await device.headers('POST', `${US}${path}`, options.key)),
    ...options.headers,
  };
  return us.app.inject({
    method: 'POST',
    url: path,
    headers,
    payload: options.raw ?? JSON.stringify(body),
  });
}
async function get(path: string) {
  return us.app.inject({
    method: 'GET',
    url: path,
    headers: await device.headers('GET', `${US}${path}`),
  });
}

const green = TEST_CARDS.find((c) => c.region === 'us' && c.outcome === 'green');
if (green === undefined) throw new Error('no green us test card');

describe('region HTTP API (in-process)', () => {
  it('serves its OpenAPI document with every device route', async () => {
    const res = await us.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/accounts',
        '/v1/provisioning',
        '/v1/provisioning/{sessionId}/tokenize',
        '/v1/notifications/stream',
        '/v1/directory',
      ]),
    );
  });

  it('registers a device and runs a green home card to tokenization', async () => {
    const reg = await post('/v1/accounts', {
      name: 'Jane Doe',
      email: 'jane@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
    });
    expect(reg.statusCode).toBe(201);

    const message = {
      routingPrefix: green.pan.slice(0, 8),
      last4: green.pan.slice(-4),
      network: green.network,
      device: { encryptionKey: device.encryption.publicJwk },
    };
    const opened = await post('/v1/provisioning', message);
    expect(opened.statusCode).toBe(201);
    const sessionId = opened.json<{ session: { id: string } }>().session.id;

    const elig = await post(`/v1/provisioning/${sessionId}/eligibility`, {});
    expect(elig.json()).toMatchObject({ session: { state: 'eligible', decision: 'green' } });
    const terms = elig.json<{ terms: { id: string; hash: string } }>().terms;
    expect(
      (
        await post(`/v1/provisioning/${sessionId}/terms`, {
          termsId: terms.id,
          hash: terms.hash,
          accepted: true,
        })
      ).statusCode,
    ).toBe(200);

    const usKey = publicKeysOf(fixture.keys.get('us') as RegionKeySet).encryption;
    const cardDetails = await encryptCardDetails(
      { pan: green.pan, expiry: green.expiry, cvv: green.cvv, name: green.name },
      usKey,
    );
    expect(
      (await post(`/v1/provisioning/${sessionId}/card`, { cardDetails })).json(),
    ).toMatchObject({ session: { state: 'ready' } });

    const key = 'tokenize-key-0123456789';
    const first = await post(`/v1/provisioning/${sessionId}/tokenize`, {}, { key });
    expect(first.statusCode).toBe(200);
    const again = await post(`/v1/provisioning/${sessionId}/tokenize`, {}, { key });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());

    const body = first.json<{
      provisioningData: string;
      credential: { tokenRef: string; state: string };
    }>();
    expect(body.credential.state).toBe('pending_activation');
    const inner = await decryptText(
      body.provisioningData,
      device.encryption.privateJwk,
      TYP.provisioningData,
      'SIGNATURE_INVALID',
    );
    expect(inner.split('.')).toHaveLength(3);

    const list = await get('/v1/notifications?after=0');
    expect(
      list
        .json<{ notifications: { data: { type: string } }[] }>()
        .notifications.map((n) => n.data.type),
    ).toContain('credential.provisioned');
  });

  it('refuses a malformed JSON body, an unknown field, an oversized body and a missing Idempotency-Key', async () => {
    expect(
      (await post('/v1/provisioning', null, { raw: '{"routingPrefix": ' })).json(),
    ).toMatchObject({ error: { code: 'MALFORMED_JSON' } });
    const unknown = await post('/v1/accounts', {
      name: 'x',
      email: 'x@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
      admin: true,
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'body/admin' } },
    });
    const big = await post('/v1/accounts', { name: 'x'.repeat(70_000) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    const headers = await device.headers('POST', `${US}/v1/provisioning`);
    delete headers['idempotency-key'];
    const noKey = await us.app.inject({
      method: 'POST',
      url: '/v1/provisioning',
      headers,
      payload: '{}',
    });
    expect(noKey.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
  });

  it("refuses a key held by a live node's request with 409 and a Retry-After, and takes it once that node is dead", async () => {
    const body = {
      name: 'Held Key',
      email: 'held@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
    };
    const key = 'held-by-another-node-0001';
    const proof = await device.proof('POST', `${US}/v1/accounts`);
    const jkt = await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK);
    const stamp = new Date().toISOString();
    await us.context.db
      .insertInto('node_leases')
      .values({
        incarnation: 'another-node',
        started_at: stamp,
        expires_at: '9999-01-01T00:00:00.000Z',
      })
      .execute();
    await us.context.db
      .insertInto('idempotency_keys')
      .values({
        scope: jkt,
        key,
        request_hash: requestHash({ method: 'POST', path: '/v1/accounts', body }),
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at: stamp,
        updated_at: stamp,
        incarnation: 'another-node',
      })
      .execute();
    const refused = await post('/v1/accounts', body, { key });
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_IN_PROGRESS' } });

    await us.context.db
      .deleteFrom('node_leases')
      .where('incarnation', '=', 'another-node')
      .execute();
    // Taken over, the request runs: this device is registered already (by the first test).
    const retried = await post('/v1/accounts', body, { key });
    expect(retried.json()).toMatchObject({ error: { code: 'DEVICE_ALREADY_REGISTERED' } });
    expect(retried.headers['retry-after']).toBeUndefined();
  });

  it('refuses card details of another network than the provisioning message named', async () => {
    // An issuer that does not compare the network itself (the sandbox does; a real one may not):
    // the owning region's check, once it holds the whole number, is what refuses the card.
    const context = us.context as { issuer: IssuerGateway };
    const sandbox = context.issuer;
    context.issuer = Object.assign(Object.create(sandbox) as IssuerGateway, {
      checkEligibility: (req: EligibilityRequest) =>
        sandbox.checkEligibility({ ...req, network: green.network }),
    });
    onTestFinished(() => {
      context.issuer = sandbox;
    });
    const opened = await post('/v1/provisioning', {
      routingPrefix: green.pan.slice(0, 8),
      last4: green.pan.slice(-4),
      network: green.network === 'visa' ? 'mastercard' : 'visa',
      device: { encryptionKey: device.encryption.publicJwk },
    });
    expect(opened.statusCode).toBe(201);
    const sessionId = opened.json<{ session: { id: string } }>().session.id;
    const elig = await post(`/v1/provisioning/${sessionId}/eligibility`, {});
    const terms = elig.json<{ terms: { id: string; hash: string } }>().terms;
    await post(`/v1/provisioning/${sessionId}/terms`, {
      termsId: terms.id,
      hash: terms.hash,
      accepted: true,
    });
    const cardDetails = await encryptCardDetails(
      { pan: green.pan, expiry: green.expiry, cvv: green.cvv, name: green.name },
      publicKeysOf(fixture.keys.get('us') as RegionKeySet).encryption,
    );
    const refused = await post(`/v1/provisioning/${sessionId}/card`, { cardDetails });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { code: 'CARD_NETWORK_MISMATCH' } });
    expect(refused.body).not.toContain(green.pan);
    expect((await get(`/v1/provisioning/${sessionId}`)).json()).toMatchObject({
      session: { state: 'terms_accepted' },
    });
  });

  it('answers an unknown path with NOT_FOUND and a request without a proof with DPOP_REQUIRED', async () => {
    expect((await us.app.inject({ method: 'GET', url: '/v1/nothing' })).json()).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    const res = await us.app.inject({ method: 'GET', url: '/v1/credentials' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'DPOP_REQUIRED' } });
  });

  it('challenges a request refused for its DPoP proof with WWW-Authenticate: DPoP (RFC 9449 §7.1)', async () => {
    const missing = await us.app.inject({ method: 'GET', url: '/v1/credentials' });
    expect(missing.headers['www-authenticate']).toBe('DPoP algs="ES256"');

    const elsewhere = await us.app.inject({
      method: 'GET',
      url: '/v1/credentials',
      headers: { dpop: await device.proof('GET', 'http://127.0.0.1:17102/v1/credentials') },
    });
    expect(elsewhere.statusCode).toBe(401);
    expect(elsewhere.json()).toMatchObject({ error: { code: 'DPOP_INVALID' } });
    expect(elsewhere.headers['www-authenticate']).toBe(
      'DPoP error="invalid_dpop_proof", error_description="The DPoP proof is invalid.", algs="ES256"',
    );

    const proof = await device.proof('GET', `${US}/v1/accounts/me`);
    await us.app.inject({ method: 'GET', url: '/v1/accounts/me', headers: { dpop: proof } });
    const replayed = await us.app.inject({
      method: 'GET',
      url: '/v1/accounts/me',
      headers: { dpop: proof },
    });
    expect(replayed.json()).toMatchObject({ error: { code: 'DPOP_REPLAYED' } });
    expect(replayed.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof", /);

    const notDpop = await us.app.inject({ method: 'GET', url: '/v1/nothing' });
    expect(notDpop.headers['www-authenticate']).toBeUndefined();
  });

  it('challenges every other 401 of a DPoP route too: a valid proof by a key not registered here', async () => {
    const stranger = await createTestDevice();
    const unknown = await us.app.inject({
      method: 'GET',
      url: '/v1/accounts/me',
      headers: { dpop: await stranger.proof('GET', `${US}/v1/accounts/me`) },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toMatchObject({ error: { code: 'DEVICE_UNKNOWN' } });
    expect(unknown.headers['www-authenticate']).toBe(
      'DPoP error="invalid_token", error_description="The device is not registered in this region.", algs="ES256"',
    );
    // A 401 of a route for other callers (an issuer's) is no DPoP challenge.
    const issuer = await us.app.inject({
      method: 'POST',
      url: '/v1/issuer/credentials/abcdefgh/suspend',
      payload: { request: 'x.y.z' },
    });
    expect(issuer.statusCode).toBe(401);
    expect(issuer.headers['www-authenticate']).toBeUndefined();
  });

  it('accepts a proof whose htu names the same URI in another form (RFC 9449 §4.3)', async () => {
    const res = await us.app.inject({
      method: 'GET',
      url: '/v1/credentials?unused=1',
      headers: {
        dpop: await device.proof('GET', 'HTTP://127.0.0.1:17101/v1/accounts/../credentials'),
      },
    });
    expect(res.json()).not.toMatchObject({ error: { code: 'DPOP_INVALID' } });
    expect(res.statusCode).toBe(200);
  });
});
