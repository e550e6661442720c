import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SPEND_LIMIT_MINOR, TEST_CARDS } from '../issuer/index.js';
import {
  createPaymentsFixture,
  paymentRequest,
  seedToken,
  signAuthorization,
} from '../payments/payments.fixtures.js';
import type { Region } from '../region-server.js';
import { createTestDevice, type TestDevice } from '../testing/region-fixture.js';

let us: Region;
let cn: Region;
let device: TestDevice;

beforeAll(async () => {
  const fixture = await createPaymentsFixture();
  [us, cn] = [await fixture.region('us'), await fixture.region('cn')];
  device = await createTestDevice();

  const post = async (region: Region, path: string, body: unknown) => {
    const res = await region.app.inject({
      method: 'POST',
      url: path,
      headers: await device.headers('POST', `${region.context.self.baseUrl}${path}`),
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  const card = (region: string) => {
    const c = TEST_CARDS.find((t) => t.region === region && t.outcome === 'green');
    if (c === undefined) throw new Error(`no green ${region} card`);
    return {
      routingPrefix: c.pan.slice(0, 8),
      last4: c.pan.slice(-4),
      network: c.network,
      device: { encryptionKey: device.encryption.publicJwk },
    };
  };
  await post(us, '/v1/accounts', {
    name: 'Metrics Tester',
    email: 'metrics@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
  // Home, then a redirect from home to cn, followed there.
  expect((await post(us, '/v1/provisioning', card('us'))).status).toBe(201);
  const toCn = await post(us, '/v1/provisioning', card('cn'));
  const { assertion } = (toCn.body as { redirect: { assertion: string } }).redirect;
  expect(
    (await post(cn, '/v1/provisioning', { ...card('cn'), redirectAssertion: assertion })).status,
  ).toBe(201);

  // A payment approved, one declined over the sandbox limit, one refused before any decision.
  const token = await seedToken(us, '4111111111111111');
  const authorize = async (authorization: string): Promise<number> =>
    (await us.app.inject({ method: 'POST', url: '/v1/authorizations', payload: { authorization } }))
      .statusCode;
  for (const [atc, amountMinor] of [
    [1, 2_500],
    [2, SANDBOX_SPEND_LIMIT_MINOR + 1],
  ] as const) {
    const request = paymentRequest(token, { atc, amountMinor });
    expect(await authorize(await signAuthorization(fixture.network, request))).toBe(200);
  }
  expect(await authorize('not.a.jws')).toBe(400);
});
afterAll(async () => {
  await us.close();
  await cn.close();
});

const scrape = async (region: Region): Promise<string> =>
  (await region.app.inject({ method: 'GET', url: '/metrics' })).body;

describe('region metrics', () => {
  it('count provisioning steps by outcome: home, redirect, redirected', async () => {
    const [atUs, atCn] = [await scrape(us), await scrape(cn)];
    expect(atUs).toContain(
      'domicile_provisioning_steps_total{step="message",outcome="home",region="us"} 1',
    );
    expect(atUs).toContain(
      'domicile_provisioning_steps_total{step="message",outcome="redirect",region="us"} 1',
    );
    expect(atCn).toContain(
      'domicile_provisioning_steps_total{step="message",outcome="redirected",region="cn"} 1',
    );
  });

  it('count authorizations by decision and reason, a refused request by its code', async () => {
    const metrics = await scrape(us);
    expect(metrics).toContain(
      'domicile_authorizations_total{decision="approved",reason="approved",region="us"} 1',
    );
    expect(metrics).toMatch(
      /domicile_authorizations_total\{decision="declined",reason="[a-z_]+",region="us"\} 1/,
    );
    expect(metrics).toMatch(
      /domicile_authorizations_total\{decision="error",reason="VALIDATION_FAILED",region="us"\} 1/,
    );
  });

  it('read queue depths and ages from the database at scrape time, with event-loop lag and buckets to 10 s', async () => {
    const metrics = await scrape(us);
    for (const queue of ['tsm', 'webhooks', 'region_outbox']) {
      expect(metrics).toMatch(
        new RegExp(`domicile_queue_depth\\{queue="${queue}",region="us"\\} \\d+`),
      );
      expect(metrics).toMatch(
        new RegExp(`domicile_queue_oldest_age_seconds\\{queue="${queue}",region="us"\\} [\\d.e-]+`),
      );
    }
    expect(metrics).toMatch(/nodejs_eventloop_lag_seconds\{region="us"\} [\d.e-]+/);
    expect(metrics).toContain('domicile_http_request_duration_seconds_bucket{le="10"');
  });
});
