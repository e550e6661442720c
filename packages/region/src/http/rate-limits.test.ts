import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitConfig } from '../config/index.js';
import { createRegion, type Region } from '../region-server.js';
import {
  createRegionFixture,
  createTestDevice,
  type RegionFixture,
  type TestDevice,
} from '../testing/region-fixture.js';

const US = 'http://127.0.0.1:17101';
let fixture: RegionFixture;

beforeAll(async () => {
  fixture = await createRegionFixture();
});

function limitedRegion(rateLimits: RateLimitConfig): Promise<Region> {
  const keys = fixture.keys.get('us');
  if (keys === undefined) throw new Error('no us keys');
  return createRegion({
    region: 'us',
    directoryJws: fixture.directoryJws,
    authorityKey: fixture.authorityKey,
    keys,
    databaseUrl: 'sqlite::memory:',
    issuer: { kind: 'sandbox' },
    logLevel: 'silent',
    tsmPollMs: 60_000,
    rateLimits,
  });
}

async function deviceGet(region: Region, device: TestDevice, path: string, address = '10.0.0.9') {
  const headers = await device.headers('GET', `${US}${path}`);
  const res = await region.app.inject({
    method: 'GET',
    url: path,
    headers,
    remoteAddress: address,
  });
  return { res, proof: headers.dpop ?? '' };
}

async function register(region: Region, device: TestDevice, address = '10.0.0.9'): Promise<void> {
  const res = await region.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: await device.headers('POST', `${US}/v1/accounts`),
    remoteAddress: address,
    payload: {
      name: 'Rate Limited',
      email: 'limits@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
    },
  });
  expect(res.statusCode).toBe(201);
}

describe('rate limits (in-process)', () => {
  let region: Region;
  beforeAll(async () => {
    region = await limitedRegion({ perAddress: 3, perDevice: 0, windowMs: 60_000 });
  });
  afterAll(() => region.close());

  it('answers a client address past its limit with 429, Retry-After and RATE_LIMITED', async () => {
    const from = (remoteAddress: string) =>
      region.app.inject({ method: 'GET', url: '/v1/directory', remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('192.0.2.1')).statusCode).toBe(200);
    const refused = await from('192.0.2.1');
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'Too many requests: retry after the time given.',
        details: { limit: 'address', retryAfterSeconds: retryAfter },
      },
    });
    // Another address has its own allowance; probes are never limited.
    expect((await from('192.0.2.2')).statusCode).toBe(200);
    const probe = await region.app.inject({
      method: 'GET',
      url: '/healthz',
      remoteAddress: '192.0.2.1',
    });
    expect(probe.statusCode).toBe(200);
  });

  it('limits every kind of caller by address, device routes included, before the proof is read', async () => {
    const device = await createTestDevice();
    const paths = ['/v1/accounts/me', '/v1/notifications', '/v1/transactions', '/v1/credentials'];
    const statuses: number[] = [];
    for (const path of paths)
      statuses.push((await deviceGet(region, device, path, '192.0.2.3')).res.statusCode);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
    const issuer = await region.app.inject({
      method: 'POST',
      url: '/v1/issuer/credentials/abcdefgh/suspend',
      remoteAddress: '192.0.2.3',
      payload: { request: 'x.y.z' },
    });
    expect(issuer.statusCode).toBe(429);
  });
});

describe('rate limits per device key (in-process)', () => {
  let region: Region;
  beforeAll(async () => {
    region = await limitedRegion({ perAddress: 0, perDevice: 3, windowMs: 60_000 });
  });
  afterAll(() => region.close());

  it('answers a device key past its limit with 429, whatever address it uses, and never echoes the proof', async () => {
    const jane = await createTestDevice();
    await register(region, jane);
    expect((await deviceGet(region, jane, '/v1/accounts/me', '198.51.100.1')).res.statusCode).toBe(
      200,
    );
    expect((await deviceGet(region, jane, '/v1/credentials', '198.51.100.2')).res.statusCode).toBe(
      200,
    );
    const { res, proof } = await deviceGet(region, jane, '/v1/accounts/me', '198.51.100.3');
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', details: { limit: 'device' } },
    });
    expect(res.body).not.toContain(proof);
    expect(res.body).not.toContain(proof.split('.')[1] ?? proof);

    // Another device behind the same address is not held back by Jane's use.
    const john = await createTestDevice();
    await register(region, john, '198.51.100.3');
    expect((await deviceGet(region, john, '/v1/accounts/me', '198.51.100.3')).res.statusCode).toBe(
      200,
    );
  });

  it('counts only proofs that verified: a forged proof spends no device allowance', async () => {
    const device = await createTestDevice();
    await register(region, device);
    for (let i = 0; i < 5; i++) {
      const res = await region.app.inject({
        method: 'GET',
        url: '/v1/accounts/me',
        headers: { dpop: 'not.a.proof' },
      });
      expect(res.statusCode).toBe(401);
    }
    expect((await deviceGet(region, device, '/v1/accounts/me')).res.statusCode).toBe(200);
  });
});
