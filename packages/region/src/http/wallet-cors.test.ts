import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegion, type Region } from '../region-server.js';
import { createRegionFixture, createTestDevice } from '../testing/region-fixture.js';

const US = 'http://127.0.0.1:17101';
const WALLET = 'http://127.0.0.1:8480';
let region: Region;

beforeAll(async () => {
  const fixture = await createRegionFixture();
  const keys = fixture.keys.get('us');
  if (keys === undefined) throw new Error('no us keys');
  region = await createRegion({
    region: 'us',
    directoryJws: fixture.directoryJws,
    authorityKey: fixture.authorityKey,
    keys,
    databaseUrl: 'sqlite::memory:',
    issuer: { kind: 'sandbox' },
    logLevel: 'silent',
    tsmPollMs: 60_000,
    walletOrigins: [WALLET],
  });
});
afterAll(async () => {
  await region.close();
});

const preflight = (origin: string, method = 'POST') =>
  region.app.inject({
    method: 'OPTIONS',
    url: '/v1/accounts',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type, dpop, idempotency-key',
    },
  });

describe('CORS for browser wallets (in-process)', () => {
  it('answers the preflight of a listed wallet origin: its origin back, the headers the SDK sends', async () => {
    const res = await preflight(WALLET);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(WALLET);
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
    const allowed = String(res.headers['access-control-allow-headers']).split(', ');
    expect(allowed).toEqual(
      expect.arrayContaining(['content-type', 'dpop', 'idempotency-key', 'last-event-id']),
    );
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers.vary)).toContain('Origin');
  });

  it('exposes the headers the SDK reads on a real request from a listed origin', async () => {
    const device = await createTestDevice();
    const res = await region.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: { ...(await device.headers('POST', `${US}/v1/accounts`)), origin: WALLET },
      payload: {
        name: 'Browser Wallet',
        email: 'browser@example.com',
        device: { encryptionKey: device.encryption.publicJwk },
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe(WALLET);
    expect(String(res.headers['access-control-expose-headers']).split(', ')).toEqual(
      expect.arrayContaining(['retry-after', 'www-authenticate']),
    );
  });

  it.each([
    ['another origin', 'http://127.0.0.1:9999'],
    ['a look-alike origin', `${WALLET}.evil.test`],
    ['the null origin', 'null'],
  ])('gives %s no CORS header at all', async (_name, origin) => {
    const res = await preflight(origin);
    expect(res.statusCode).not.toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
    const get = await region.app.inject({
      method: 'GET',
      url: '/v1/directory',
      headers: { origin },
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends no CORS header to a region configured without wallet origins', async () => {
    const fixture = await createRegionFixture();
    const keys = fixture.keys.get('us');
    if (keys === undefined) throw new Error('no us keys');
    const closed = await createRegion({
      region: 'us',
      directoryJws: fixture.directoryJws,
      authorityKey: fixture.authorityKey,
      keys,
      databaseUrl: 'sqlite::memory:',
      issuer: { kind: 'sandbox' },
      logLevel: 'silent',
      tsmPollMs: 60_000,
    });
    try {
      const res = await closed.app.inject({
        method: 'GET',
        url: '/v1/directory',
        headers: { origin: WALLET },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await closed.close();
    }
  });
});
