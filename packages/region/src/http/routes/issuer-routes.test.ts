import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, generateKeyPairJwk, signJson, type KeyPairJwk } from '@domicile/protocol';
import {
  lifecycleRegion,
  notificationsOf,
  seedCredential,
} from '../../lifecycle/lifecycle.fixtures.js';
import type { Region } from '../../region-server.js';
import { createTestDevice, type TestDevice } from '../../testing/region-fixture.js';

const US = 'http://127.0.0.1:17101';
let region: Region;
let device: TestDevice;
let deviceId: string;
let liberty: KeyPairJwk;
let prairie: KeyPairJwk;

async function issuerCall(
  key: KeyPairJwk,
  issuer: string,
  method: 'POST' | 'PUT',
  path: string,
  body: unknown,
) {
  const claims = {
    iss: issuer,
    aud: 'us',
    iat: Math.floor(Date.now() / 1000),
    jti: randomBytes(18).toString('base64url'),
    method,
    path,
    body,
  };
  const request = await signJson(claims, key.privateJwk, api.ISSUER_API_TYP);
  return region.app.inject({
    method,
    url: path,
    headers: { 'content-type': 'application/json' },
    payload: { request },
  });
}
async function deviceCall(method: 'GET' | 'POST', path: string, body?: unknown, key?: string) {
  return region.app.inject({
    method,
    url: path,
    headers: await device.headers(method, `${US}${path}`, key),
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  [liberty, prairie] = await Promise.all([generateKeyPairJwk('sig'), generateKeyPairJwk('sig')]);
  region = await lifecycleRegion([
    { id: 'liberty', publicKey: liberty.publicJwk, productIds: ['us-liberty-visa'] },
    { id: 'prairie', publicKey: prairie.publicJwk, productIds: ['us-prairie-mastercard'] },
  ]);
  device = await createTestDevice();
  const reg = await deviceCall('POST', '/v1/accounts', {
    name: 'Jane Doe',
    email: 'jane@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
  deviceId = reg.json<{ deviceId: string }>().deviceId;
});
afterAll(async () => {
  await region.close();
});

describe('lifecycle over HTTP (in-process)', () => {
  it('lets the device suspend, resume and delete its own token, exactly once per Idempotency-Key', async () => {
    const { credential } = await seedCredential(region, { deviceId });
    const path = `/v1/credentials/${credential.token_ref}/suspend`;
    const first = await deviceCall('POST', path, {}, 'suspend-key-0123456789');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      credential: { tokenRef: credential.token_ref, state: 'suspended' },
    });
    const replay = await deviceCall('POST', path, {}, 'suspend-key-0123456789');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(
      (
        await deviceCall('POST', `/v1/credentials/${credential.token_ref}/resume`, {
          reason: 'user_request',
        })
      ).json(),
    ).toMatchObject({ credential: { state: 'active' } });
    expect(
      (await deviceCall('POST', `/v1/credentials/${credential.token_ref}/delete`, {})).json(),
    ).toMatchObject({ credential: { state: 'deleted' } });
    expect(
      (await deviceCall('POST', `/v1/credentials/${credential.token_ref}/resume`, {})).json(),
    ).toMatchObject({ error: { code: 'CREDENTIAL_STATE' } });
    expect(
      (
        await deviceCall('POST', `/v1/credentials/${credential.token_ref}/suspend`, {
          reason: 'Card 4111',
        })
      ).json(),
    ).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'body/reason' } } });

    const other = await seedCredential(region);
    const res = await deviceCall(
      'POST',
      `/v1/credentials/${other.credential.token_ref}/suspend`,
      {},
    );
    expect(res.json()).toMatchObject({ error: { code: 'CREDENTIAL_NOT_FOUND' } });
  });

  it('lets an issuer act on its own products only, with issuer credentials only', async () => {
    const { credential } = await seedCredential(region, { deviceId });
    const path = `/v1/issuer/credentials/${credential.token_ref}/suspend`;
    const suspended = await issuerCall(liberty, 'liberty', 'POST', path, {
      reason: 'fraud_suspected',
    });
    expect(suspended.statusCode).toBe(200);
    expect(suspended.json()).toMatchObject({
      changed: true,
      credential: { state: 'suspended', productId: 'us-liberty-visa', last4: '1111' },
    });
    expect(JSON.stringify(suspended.json())).not.toContain(credential.token_number);

    // A device proof is no issuer credential.
    const byDevice = await deviceCall('POST', path, { reason: 'fraud_suspected' });
    expect(byDevice.statusCode).toBe(401);
    expect(byDevice.json()).toMatchObject({ error: { code: 'ISSUER_AUTH_REQUIRED' } });
    expect(
      (await issuerCall(prairie, 'prairie', 'POST', path, { reason: 'fraud_suspected' })).json(),
    ).toMatchObject({ error: { code: 'ISSUER_FORBIDDEN' } });
    expect(
      (await issuerCall(liberty, 'liberty', 'POST', path, { reason: 'Fraud!' })).json(),
    ).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'request/body/reason' } },
    });
    // The device cannot lift the issuer's suspension; the issuer can.
    expect(
      (await deviceCall('POST', `/v1/credentials/${credential.token_ref}/resume`, {})).json(),
    ).toMatchObject({ error: { code: 'RESUME_NOT_ALLOWED' } });
    const resumed = await issuerCall(
      liberty,
      'liberty',
      'POST',
      `/v1/issuer/credentials/${credential.token_ref}/resume`,
      { reason: 'fraud_cleared' },
    );
    expect(resumed.json()).toMatchObject({ changed: true, credential: { state: 'active' } });
    expect(
      (await notificationsOf(region, deviceId))
        .filter((n) => n.tokenRef === credential.token_ref)
        .map((n) => n.type),
    ).toEqual(['credential.suspended', 'credential.resumed']);
  });

  it('pushes new card art of a product to every device holding a live token of it', async () => {
    // Another card than the earlier tests': one device holds one live token per card.
    const { credential } = await seedCredential(region, { deviceId, pan: '4000555566660028' });
    const art = { background: '#112233', foreground: '#fefefe', label: 'Liberty Visa Infinite' };
    expect(
      (
        await issuerCall(prairie, 'prairie', 'PUT', '/v1/issuer/products/us-liberty-visa/art', {
          art,
        })
      ).json(),
    ).toMatchObject({ error: { code: 'ISSUER_FORBIDDEN' } });
    const res = await issuerCall(
      liberty,
      'liberty',
      'PUT',
      '/v1/issuer/products/us-liberty-visa/art',
      { art },
    );
    expect(res.statusCode).toBe(200);
    const body = res.json<api.IssuerArtResponse>();
    expect(body.updated).toBeGreaterThanOrEqual(1);
    const pushed = (await notificationsOf(region, deviceId)).find(
      (n) => n.type === 'credential.art.updated' && n.tokenRef === credential.token_ref,
    );
    expect(pushed).toEqual({
      type: 'credential.art.updated',
      tokenRef: credential.token_ref,
      art: { assetId: body.art[0]?.assetId, sha256: body.art[0]?.sha256 },
    });
    const asset = await deviceCall('GET', `/v1/assets/${body.art[0]?.assetId ?? ''}`);
    expect(createHash('sha256').update(asset.rawPayload).digest('base64url')).toBe(
      body.art[0]?.sha256,
    );
    expect(asset.body).toContain('Liberty Visa Infinite');
    // The same art again changes nothing.
    expect(
      (
        await issuerCall(liberty, 'liberty', 'PUT', '/v1/issuer/products/us-liberty-visa/art', {
          art,
        })
      ).json(),
    ).toMatchObject({ updated: 0 });
  });

  it('documents the issuer and lifecycle routes in OpenAPI', async () => {
    const doc = (await region.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/credentials/{tokenRef}/suspend',
        '/v1/credentials/{tokenRef}/delete',
        '/v1/issuer/credentials/{tokenRef}/resume',
        '/v1/issuer/products/{productId}/art',
      ]),
    );
  });
});
