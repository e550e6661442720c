import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import type { RegionQueryTransport } from '../config/index.js';
import { operatorTokenHash } from '../http/index.js';
import { TEST_CARDS } from '../issuer/index.js';
import type { RegionKeySet } from '../keys/index.js';
import { createRegion, type Region } from '../region-server.js';
import type { CredentialRow } from '../storage/index.js';
import * as f from '../storage/storage.fixtures.js';
import { askDeviceTokens } from './device-tokens-request.js';
import {
  createRegionFixture,
  createTestDevice,
  type RegionFixture,
  type TestDevice,
} from '../testing/region-fixture.js';

const TOKEN = 'operator-token-for-the-device-tokens-test';
const regions = new Map<string, Region>();
const down = new Set<string>();
/** Region → the region its requests are delivered to instead (a misrouted request). */
const misrouted = new Map<string, string>();
const asked: string[] = [];
let fixture: RegionFixture;
let device: TestDevice;
let deviceId: string;
const seeded: Record<string, CredentialRow[]> = {};

const region = (id: string): Region => {
  const found = regions.get(id);
  if (found === undefined) throw new Error(`region ${id}`);
  return found;
};

/** Region-to-region look-ups through `inject()`; a region in `down` does not answer. */
const transport: RegionQueryTransport = async (baseUrl, path, body) => {
  const addressed = [...regions.values()].find((r) => r.context.self.baseUrl === baseUrl);
  const id = addressed?.context.self.id ?? '';
  const target = regions.get(misrouted.get(id) ?? id);
  if (target === undefined || down.has(id)) throw new TypeError('fetch failed');
  asked.push(id);
  const res = await target.app.inject({ method: 'POST', url: path, payload: body });
  return { status: res.statusCode, body: res.json() };
};

async function call(id: string, method: 'GET' | 'POST', path: string, headers?: object) {
  const url = `${region(id).context.self.baseUrl}${path}`;
  const res = await region(id).app.inject({
    method,
    url: path,
    headers: { ...(headers ?? (await device.headers(method, url))) },
    ...(method === 'POST' ? { payload: JSON.stringify(bodies.get(path) ?? {}) } : {}),
  });
  return {
    status: res.statusCode,
    body: res.json<api.DeviceTokensResponse & Record<string, unknown>>(),
    text: res.body,
  };
}
const bodies = new Map<string, unknown>();
const operator = { authorization: `Bearer ${TOKEN}` };

function cardMessage(id: string) {
  const c = TEST_CARDS.find((t) => t.region === id && t.outcome === 'green');
  if (c === undefined) throw new Error(`no green ${id} card`);
  return {
    routingPrefix: c.pan.slice(0, 8),
    last4: c.pan.slice(-4),
    network: c.network,
    device: { encryptionKey: device.encryption.publicJwk },
  };
}

/** A token of the device in a region, with its lifecycle row (its product), as tokenization leaves it. */
async function seedToken(
  id: string,
  owner: { readonly id: string; readonly account_id: string },
  o: Partial<CredentialRow> & { productId: string },
) {
  const { productId, ...rest } = o;
  const row = f.credential({
    device_id: owner.id,
    account_id: owner.account_id,
    token_number: `48${String(randomInt(1e9)).padStart(14, '0')}`,
    ...rest,
  });
  await region(id).context.db.insertInto('credentials').values(row).execute();
  await region(id)
    .context.db.insertInto('credential_lifecycle')
    .values(
      f.credentialLifecycle({
        credential_id: row.id,
        token_ref: row.token_ref,
        product_id: productId,
        suspended_by: null,
        resume_state: null,
      }),
    )
    .execute();
  (seeded[id] ??= []).push(row);
}

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
        regionQuery: transport,
      }),
    );
  }
  device = await createTestDevice();
  bodies.set('/v1/accounts', {
    name: 'Two Regions',
    email: 'two@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
  deviceId = String((await call('us', 'POST', '/v1/accounts')).body.deviceId);
  // A redirect to cn, followed (a guest account there), and one to eu, never followed.
  bodies.set('/v1/provisioning', cardMessage('cn'));
  const toCn = (await call('us', 'POST', '/v1/provisioning')).body as unknown as {
    redirect: { assertion: string };
  };
  bodies.set('/v1/provisioning', {
    ...cardMessage('cn'),
    redirectAssertion: toCn.redirect.assertion,
  });
  expect((await call('cn', 'POST', '/v1/provisioning')).status).toBe(201);
  bodies.set('/v1/provisioning', cardMessage('eu'));
  expect((await call('us', 'POST', '/v1/provisioning')).status).toBe(200);

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
  await seedToken('us', usDevice, { productId: 'us-liberty-visa', last4: '1111' });
  await seedToken('cn', cnDevice, { productId: 'cn-jade-unionpay', last4: '2015' });
  await seedToken('cn', cnDevice, {
    productId: 'cn-jade-unionpay',
    last4: '2025',
    state: 'deleted',
  });
  // Another device's token in cn: never listed for this one.
  await seedToken(
    'cn',
    { id: 'another-device-000000', account_id: cnDevice.account_id },
    {
      productId: 'cn-jade-unionpay',
      last4: '9999',
    },
  );
});
afterAll(async () => {
  await Promise.all([...regions.values()].map((r) => r.close()));
});

describe("a device's tokens in every region (in-process)", () => {
  it('lists the home tokens and asks every region of the residency index, by signed requests', async () => {
    const res = await call('us', 'GET', `/v1/support/devices/${deviceId}/tokens`, operator);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deviceId, complete: true });
    const byRegion = new Map(res.body.regions.map((r) => [r.region, r]));
    expect([...byRegion.keys()]).toEqual(['us', 'cn', 'eu']);
    expect(byRegion.get('us')?.tokens.map((t) => [t.last4, t.state, t.productId])).toEqual([
      ['1111', 'active', 'us-liberty-visa'],
    ]);
    expect(
      byRegion
        .get('cn')
        ?.tokens.map((t) => [t.last4, t.state])
        .sort(),
    ).toEqual([
      ['2015', 'active'],
      ['2025', 'deleted'],
    ]);
    // eu was never reached by the device: it holds nothing of it, and says so.
    expect(byRegion.get('eu')).toEqual({ region: 'eu', status: 'ok', tokens: [] });
    for (const row of [...(seeded.us ?? []), ...(seeded.cn ?? [])])
      expect(res.text).not.toContain(row.token_number);
    const audit = await region('cn')
      .context.db.selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'device.tokens_queried')
      .execute();
    expect(audit.at(-1)).toMatchObject({ actor: 'region:us' });
    expect(JSON.parse(audit.at(-1)?.detail ?? '{}')).toEqual({ tokens: 2, deviceKnown: true });
  });

  it('reports a region that does not answer, or answers for another, and still shows the others', async () => {
    down.add('cn');
    misrouted.set('eu', 'cn');
    try {
      const res = await call('us', 'GET', `/v1/support/devices/${deviceId}/tokens`, operator);
      expect(res.status).toBe(200);
      expect(res.body.complete).toBe(false);
      expect(res.body.regions).toEqual([
        expect.objectContaining({ region: 'us', status: 'ok' }),
        { region: 'cn', status: 'failed', tokens: [], error: 'REGION_REQUEST_UNDELIVERED' },
        // A request for eu that reaches cn is refused there: it is addressed to eu.
        { region: 'eu', status: 'failed', tokens: [], error: 'REGION_REQUEST_AUDIENCE' },
      ]);
    } finally {
      down.delete('cn');
      misrouted.delete('eu');
    }
  });

  it('is for operators, at the home region, about a device it knows', async () => {
    const path = `/v1/support/devices/${deviceId}/tokens`;
    expect((await call('us', 'GET', path, {})).body.error).toMatchObject({
      code: 'OPERATOR_TOKEN_REQUIRED',
    });
    expect(
      (await call('us', 'GET', '/v1/support/devices/no-such-device/tokens', operator)).body.error,
    ).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    const guest = seeded.cn?.[0]?.device_id ?? '';
    expect(
      (await call('cn', 'GET', `/v1/support/devices/${guest}/tokens`, operator)).body.error,
    ).toMatchObject({ code: 'DEVICE_TOKENS_NOT_HOME' });
  });

  it('accepts a region-to-region look-up once, and only signed by a region of the directory', async () => {
    const captured: { body?: api.RegionRequestBody } = {};
    const spy: RegionQueryTransport = async (baseUrl, path, body, signal) => {
      captured.body = body;
      return transport(baseUrl, path, body, signal);
    };
    const jkt = (
      await region('us')
        .context.db.selectFrom('devices')
        .select('jkt')
        .where('id', '=', deviceId)
        .executeTakeFirstOrThrow()
    ).jkt;
    const pseudonym = (
      await region('us')
        .context.db.selectFrom('residency_index')
        .select('pseudonym')
        .where('region', '=', 'cn')
        .executeTakeFirstOrThrow()
    ).pseudonym;
    const us = region('us').context;
    const tokens = await askDeviceTokens({
      home: 'us',
      target: 'cn',
      pseudonym,
      deviceJkt: jkt,
      directory: us.directory,
      signer: us.keyring.signing,
      transport: spy,
      timeoutMs: 5_000,
      now: new Date(),
    });
    expect(tokens).toHaveLength(2);
    const sent = captured.body;
    if (sent === undefined) throw new Error('no request went out');
    const replay = await region('cn').app.inject({
      method: 'POST',
      url: '/v1/regions/device-tokens',
      payload: sent,
    });
    expect(replay.json<{ error: { code: string } }>().error.code).toBe('REGION_REQUEST_REPLAYED');
    // A request whose signature is no region's of the directory is refused before it is read.
    const forged = await region('cn').app.inject({
      method: 'POST',
      url: '/v1/regions/device-tokens',
      payload: { request: 'eyJhbGciOiJFUzI1NiJ9.e30.' + 'A'.repeat(86) },
    });
    expect(forged.json<{ error: { code: string } }>().error.code).toBe('REGION_REQUEST_INVALID');
  });
});
