import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { api } from '@domicile/protocol';
import { operatorTokenHash } from '../http/index.js';
import { TEST_CARDS } from '../issuer/index.js';
import type { RegionTransport } from '../config/index.js';
import type { RegionKeySet } from '../keys/index.js';
import { createRegion, type Region } from '../region-server.js';
import * as f from '../storage/storage.fixtures.js';
import { outboxAskColumn } from './region-outbox-worker.js';
import {
  createRegionFixture,
  createTestDevice,
  type RegionFixture,
  type TestDevice,
} from '../testing/region-fixture.js';
import { deliverLostDeviceRequest, LOST_DEVICE_PATH } from './region-request-client.js';

const TOKEN = 'operator-token-for-the-lost-device-test';
const regions = new Map<string, Region>();
const down = new Set<string>();
const sent: string[] = [];
let fixture: RegionFixture;
let device: TestDevice;
let deviceId: string;
/** Sessions the lost device had open at home and in cn, and an unused redirect assertion to cn, all from before the report. */
const before = { usSession: '', cnSession: '', cnAssertion: '' };

/** Region-to-region requests through `inject()`; a region in `down` does not answer. */
const transport: RegionTransport = async (baseUrl, body) => {
  const target = [...regions.values()].find((r) => r.context.self.baseUrl === baseUrl);
  if (target === undefined || down.has(target.context.self.id)) throw new TypeError('fetch failed');
  sent.push(body.request);
  const res = await target.app.inject({ method: 'POST', url: LOST_DEVICE_PATH, payload: body });
  return { status: res.statusCode, body: res.json() };
};

const region = (id: string): Region => {
  const found = regions.get(id);
  if (found === undefined) throw new Error(`region ${id}`);
  return found;
};
const url = (id: string, path: string): string => `${region(id).context.self.baseUrl}${path}`;
const jktOf = async (id: string): Promise<string> =>
  (
    await region('us')
      .context.db.selectFrom('devices')
      .select('jkt')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).jkt;

async function call(
  id: string,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; key?: string; as?: TestDevice } = {},
) {
  const headers = options.headers ?? {
    ...(await (options.as ?? device).headers(method, url(id, path), options.key)),
  };
  const res = await region(id).app.inject({
    method,
    url: path,
    headers,
    ...(method === 'POST' ? { payload: JSON.stringify(options.body ?? {}) } : {}),
  });
  return {
    status: res.statusCode,
    body: res.json<
      Record<string, unknown> & { error?: { code: string }; report?: api.LostReportView }
    >(),
    headers: res.headers,
  };
}
const operator = (key = `op-key-${Math.random().toString(36).slice(2)}-0000`) => ({
  authorization: `Bearer ${TOKEN}`,
  'content-type': 'application/json',
  'idempotency-key': key,
});

function card(id: string, as: TestDevice = device) {
  const c = TEST_CARDS.find((t) => t.region === id && t.outcome === 'green');
  if (c === undefined) throw new Error(`no green ${id} card`);
  return {
    routingPrefix: c.pan.slice(0, 8),
    last4: c.pan.slice(-4),
    network: c.network,
    device: { encryptionKey: as.encryption.publicJwk },
  };
}
const sessionIdOf = (res: { body: Record<string, unknown> }): string =>
  (res.body as { session: { id: string } }).session.id;
const assertionOf = (res: { body: Record<string, unknown> }): string =>
  (res.body as { redirect: { assertion: string } }).redirect.assertion;

beforeAll(async () => {
  fixture = await createRegionFixture();
  for (const id of ['us', 'eu', 'cn']) {
    regions.set(
      id,
      await createRegion({
        region: id,
        directoryJws: fixture.directoryJws,
        authorityKey: fixture.authorityKey,
        keys: fixture.keys.get(id) as RegionKeySet,
        databaseUrl: 'sqlite::memory:',
        issuer: { kind: 'sandbox' },
        logLevel: 'silent',
        tsmPollMs: 60_000,
        operatorTokenHashes: [operatorTokenHash(TOKEN)],
        regionOutbox: { pollIntervalMs: 20, backoffMs: 10, maxBackoffMs: 40, transport },
      }),
    );
  }
  device = await createTestDevice();
  const reg = await call('us', 'POST', '/v1/accounts', {
    body: {
      name: 'Lost Phone',
      email: 'lost@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
    },
  });
  deviceId = String(reg.body.deviceId);
  // Redirects to cn (followed: a guest account there) and to eu (never followed).
  const toCn = await call('us', 'POST', '/v1/provisioning', { body: card('cn') });
  const atCn = await call('cn', 'POST', '/v1/provisioning', {
    body: { ...card('cn'), redirectAssertion: assertionOf(toCn) },
  });
  expect(atCn.status).toBe(201);
  before.cnSession = sessionIdOf(atCn);
  expect((await call('us', 'POST', '/v1/provisioning', { body: card('eu') })).status).toBe(200);
  const atUs = await call('us', 'POST', '/v1/provisioning', { body: card('us') });
  expect(atUs.status).toBe(201);
  before.usSession = sessionIdOf(atUs);
  before.cnAssertion = assertionOf(
    await call('us', 'POST', '/v1/provisioning', { body: card('cn') }),
  );
  // Live tokens on the device in us and cn, written directly: provisioning itself is tested elsewhere.
  const usDevice = await region('us')
    .context.db.selectFrom('devices')
    .selectAll()
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  const cnDevice = await region('cn')
    .context.db.selectFrom('devices')
    .selectAll()
    .where('jkt', '=', usDevice.jkt)
    .executeTakeFirstOrThrow();
  await region('us')
    .context.db.insertInto('credentials')
    .values(f.credential({ device_id: deviceId, account_id: usDevice.account_id }))
    .execute();
  await region('cn')
    .context.db.insertInto('credentials')
    .values([
      f.credential({ device_id: cnDevice.id, account_id: cnDevice.account_id }),
      f.credential({ device_id: cnDevice.id, account_id: cnDevice.account_id, state: 'deleted' }),
    ])
    .execute();
});
afterAll(async () => {
  await Promise.all([...regions.values()].map((r) => r.close()));
});

describe('lost device across regions (in-process)', () => {
  it('indexes every region a redirect went to, with the pseudonym of the assertion', async () => {
    const index = await region('us')
      .context.db.selectFrom('residency_index')
      .selectAll()
      .orderBy('region')
      .execute();
    expect(index.map((r) => r.region)).toEqual(['cn', 'eu']);
    const guest = await region('cn')
      .context.db.selectFrom('accounts')
      .selectAll()
      .where('kind', '=', 'guest')
      .executeTakeFirstOrThrow();
    expect(index[0]?.pseudonym).toBe(guest.pseudonym);
  });

  it('opens the support API to operator tokens only', async () => {
    const path = `/v1/support/devices/${deviceId}/lost`;
    const none = await call('us', 'POST', path, {
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(20) },
    });
    expect([none.status, none.body.error?.code]).toEqual([401, 'OPERATOR_TOKEN_REQUIRED']);
    const wrong = await call('us', 'POST', path, {
      headers: { ...operator(), authorization: 'Bearer not-the-operator-token' },
    });
    expect([wrong.status, wrong.body.error?.code]).toEqual([401, 'OPERATOR_TOKEN_INVALID']);
    expect(
      (await call('us', 'GET', '/v1/support/lost-reports/no-such-report', { headers: operator() }))
        .body.error?.code,
    ).toBe('LOST_REPORT_NOT_FOUND');
    expect(
      (await call('us', 'POST', '/v1/support/devices/no-such-device/lost', { headers: operator() }))
        .body.error?.code,
    ).toBe('DEVICE_NOT_FOUND');
  });

  it('suspends at home at once, and in cn once it answers; the report follows each region', async () => {
    down.add('cn');
    const key = 'lost-report-key-0123456789';
    // The first attempt is cut right after its commit (as a crash there would cut it): the retry
    // with the same key gets the report that commit made, never a second report.
    const kick = vi.spyOn(region('us').context.regionOutbox, 'kick').mockImplementationOnce(() => {
      throw new Error('cut after the commit');
    });
    const cut = await call('us', 'POST', `/v1/support/devices/${deviceId}/lost`, {
      headers: operator(key),
    });
    kick.mockRestore();
    expect(cut.status).toBe(500);
    const created = await call('us', 'POST', `/v1/support/devices/${deviceId}/lost`, {
      headers: operator(key),
    });
    expect([created.status, created.headers['idempotent-replayed']]).toEqual([201, 'true']);
    const reports = await region('us')
      .context.db.selectFrom('lost_reports')
      .select('id')
      .where('device_id', '=', deviceId)
      .execute();
    expect(reports).toEqual([{ id: created.body.report?.reportId }]);
    const reportId = created.body.report?.reportId ?? '';
    expect(created.body.report).toMatchObject({
      deviceId,
      reportedBy: 'operator',
      home: { region: 'us', suspended: 1 },
      complete: false,
    });
    const usStates = await region('us')
      .context.db.selectFrom('credentials')
      .select('state')
      .where('device_id', '=', deviceId)
      .execute();
    expect(usStates).toEqual([{ state: 'suspended' }]);
    const again = await call('us', 'POST', `/v1/support/devices/${deviceId}/lost`, {
      headers: operator(key),
    });
    expect([again.headers['idempotent-replayed'], again.body.report?.reportId]).toEqual([
      'true',
      reportId,
    ]);

    const report = async () =>
      (await call('us', 'GET', `/v1/support/lost-reports/${reportId}`, { headers: operator() }))
        .body.report;
    await vi.waitFor(
      async () => {
        expect((await report())?.regions).toEqual([
          expect.objectContaining({
            region: 'cn',
            status: 'failing',
            attempts: expect.any(Number) as number,
            lastError: 'REGION_REQUEST_UNDELIVERED',
          }),
          expect.objectContaining({ region: 'eu', status: 'confirmed', suspended: 0 }),
        ]);
      },
      { timeout: 10_000, interval: 20 },
    );

    down.delete('cn');
    await vi.waitFor(async () => expect((await report())?.complete).toBe(true), {
      timeout: 10_000,
      interval: 20,
    });
    expect((await report())?.regions[0]).toMatchObject({
      region: 'cn',
      status: 'confirmed',
      suspended: 1,
    });
    const cn = region('cn').context.db;
    expect(
      (await cn.selectFrom('credentials').select('state').orderBy('state').execute()).map(
        (c) => c.state,
      ),
    ).toEqual(['deleted', 'suspended']);
    const pushed = await cn
      .selectFrom('notifications')
      .select('data')
      .where('type', '=', 'credential.suspended')
      .execute();
    expect(pushed.map((n) => JSON.parse(n.data) as unknown)).toEqual([
      expect.objectContaining({ actor: 'system', reason: 'device_lost' }),
    ]);
  });

  it('refuses a replayed request, and answers a new request for the same report with the first count', async () => {
    const first = sent.find((jws) => decodeJwt(jws).aud === 'cn');
    const replay = await region('cn').app.inject({
      method: 'POST',
      url: LOST_DEVICE_PATH,
      payload: { request: first },
    });
    expect([replay.statusCode, replay.json<{ error: { code: string } }>().error.code]).toEqual([
      401,
      'REGION_REQUEST_REPLAYED',
    ]);
    const reportId = (
      await region('us')
        .context.db.selectFrom('lost_reports')
        .select('id')
        .executeTakeFirstOrThrow()
    ).id;
    const row = await region('us')
      .context.db.selectFrom('region_outbox')
      .selectAll()
      .where('target_region', '=', 'cn')
      .executeTakeFirstOrThrow();
    const retry = await deliverLostDeviceRequest({
      home: 'us',
      target: 'cn',
      ask: { reportId, ...outboxAskColumn.decode(row.payload) },
      directory: region('us').context.directory,
      signer: region('us').context.keyring.signing,
      transport,
      timeoutMs: 5_000,
      now: new Date(),
    });
    expect(retry.suspended).toBe(1);
  });

  it('refuses the lost device at home and in cn: a step of a session it had open, a new provisioning message, a redirect', async () => {
    const refused = (res: { status: number; body: { error?: { code: string } } }) => [
      res.status,
      res.body.error?.code,
    ];
    const lost = [403, 'DEVICE_LOST'];
    const jkt = await jktOf(deviceId);
    for (const id of ['us', 'cn']) {
      const row = await region(id)
        .context.db.selectFrom('devices')
        .select('lost_at')
        .where('jkt', '=', jkt)
        .executeTakeFirstOrThrow();
      expect(row.lost_at, id).toEqual(expect.any(String));
    }
    expect(
      refused(await call('us', 'POST', `/v1/provisioning/${before.usSession}/eligibility`)),
      'us step',
    ).toEqual(lost);
    expect(
      refused(await call('us', 'POST', '/v1/provisioning', { body: card('us') })),
      'us message',
    ).toEqual(lost);
    expect(
      refused(await call('us', 'POST', '/v1/provisioning', { body: card('cn') })),
      'us redirect',
    ).toEqual(lost);
    expect(
      refused(await call('cn', 'POST', `/v1/provisioning/${before.cnSession}/eligibility`)),
      'cn step',
    ).toEqual(lost);
    expect(
      refused(
        await call('cn', 'POST', '/v1/provisioning', {
          body: { ...card('cn'), redirectAssertion: before.cnAssertion },
        }),
      ),
      'cn message',
    ).toEqual(lost);
    expect(refused(await call('cn', 'GET', '/v1/credentials')), 'cn credentials').toEqual(lost);
    // It still reads its push notifications: they are how it learns its tokens are suspended.
    expect((await call('cn', 'GET', '/v1/notifications')).status).toBe(200);
  });

  it('lets a device report itself at home, and only at home; from then on it is refused', async () => {
    const other = await createTestDevice();
    const reg = await call('us', 'POST', '/v1/accounts', {
      as: other,
      body: {
        name: 'Own Report',
        email: 'own@example.com',
        device: { encryptionKey: other.encryption.publicJwk },
      },
    });
    const toCn = await call('us', 'POST', '/v1/provisioning', {
      as: other,
      body: card('cn', other),
    });
    expect(
      (
        await call('cn', 'POST', '/v1/provisioning', {
          as: other,
          body: { ...card('cn', other), redirectAssertion: assertionOf(toCn) },
        })
      ).status,
    ).toBe(201);
    const atCn = await call('cn', 'POST', '/v1/devices/me/lost', { as: other });
    expect([atCn.status, atCn.body.error?.code]).toEqual([422, 'LOST_REPORT_NOT_HOME']);
    const key = 'own-lost-report-key-0123456789';
    const atUs = await call('us', 'POST', '/v1/devices/me/lost', { as: other, key });
    expect(atUs.status).toBe(201);
    expect(atUs.body.report).toMatchObject({
      deviceId: reg.body.deviceId,
      reportedBy: 'device',
      home: { suspended: 0 },
    });
    // A retry of the report is refused like any other request of a lost device: the report was made.
    expect(
      (await call('us', 'POST', '/v1/devices/me/lost', { as: other, key })).body.error?.code,
    ).toBe('DEVICE_LOST');
    // cn hears of it from the outbox; from then on it refuses the device too.
    await vi.waitFor(
      async () => {
        expect((await call('cn', 'GET', '/v1/credentials', { as: other })).body.error?.code).toBe(
          'DEVICE_LOST',
        );
      },
      { timeout: 10_000, interval: 20 },
    );
  });
});
