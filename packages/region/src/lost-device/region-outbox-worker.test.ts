import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyDirectory, type Directory } from '@domicile/protocol';
import { activePrivateJwk, type RegionKeySet } from '../keys/index.js';
import { openDatabase, type Database } from '../storage/index.js';
import * as f from '../storage/storage.fixtures.js';
import { createRegionFixture } from '../testing/region-fixture.js';
import { currentTrace } from '../logging/index.js';
import { RegionOutboxWorker } from './region-outbox-worker.js';
import type { RegionTransport } from '../config/index.js';
import { verifyLostDeviceRequest } from '../request-auth/index.js';
import { fetchRegionTransport } from './region-request-client.js';
import { signLostDeviceConfirmation } from './region-request.js';
import { FileJwsSigner } from '../keys/index.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
let db: Kysely<Database>;
let directory: Directory;
let keys: (region: string) => RegionKeySet;
let clock: Date;
let calls: number;

beforeEach(async () => {
  const fixture = await createRegionFixture();
  directory = await verifyDirectory(fixture.directoryJws, fixture.authorityKey);
  keys = (region) => fixture.keys.get(region) as RegionKeySet;
  db = await openDatabase('sqlite::memory:');
  clock = T0;
  calls = 0;
  await db
    .insertInto('region_outbox')
    .values(
      f.regionOutboxRow({
        target_region: 'cn',
        payload: JSON.stringify({ pseudonym: 'p'.repeat(43), deviceJkt: 'j'.repeat(43) }),
        attempts: 0,
        next_attempt_at: T0.toISOString(),
        confirmed_at: null,
        last_error: null,
        response: null,
        suspended: null,
      }),
    )
    .execute();
});
afterEach(async () => {
  await db.destroy();
});

/** cn answering as a real region would: verifies, then confirms `suspended` tokens. */
const cnAnswers =
  (suspended: number): RegionTransport =>
  async (_url, body) => {
    calls++;
    const { claims: request } = await verifyLostDeviceRequest({
      jws: body.request,
      directory,
      self: 'cn',
      now: clock,
    });
    return {
      status: 200,
      body: {
        confirmation: await signLostDeviceConfirmation({
          request,
          suspended,
          signer: new FileJwsSigner(activePrivateJwk(keys('cn'), 'signing')),
          now: clock,
        }),
      },
    };
  };
const cnDown: RegionTransport = () => {
  calls++;
  return Promise.reject(new TypeError('fetch failed'));
};
const worker = (transport: RegionTransport, key = activePrivateJwk(keys('us'), 'signing')) =>
  new RegionOutboxWorker({
    db,
    directory,
    self: 'us',
    signer: new FileJwsSigner(key),
    now: () => clock,
    transport,
    backoffMs: 1_000,
    maxBackoffMs: 4_000,
  });
const row = () => db.selectFrom('region_outbox').selectAll().executeTakeFirstOrThrow();

describe('RegionOutboxWorker', () => {
  it('retries a region that is down with capped exponential backoff, until it confirms', async () => {
    const down = worker(cnDown);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      expect(await down.runOnce()).toBe(0);
      const r = await row();
      waits.push(Date.parse(r.next_attempt_at) - clock.getTime());
      expect(r).toMatchObject({
        attempts: i + 1,
        last_error: 'REGION_REQUEST_UNDELIVERED',
        confirmed_at: null,
      });
      // Not due before its time: a run now does nothing.
      expect(await down.runOnce()).toBe(0);
      clock = new Date(r.next_attempt_at);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(calls).toBe(4);

    expect(await worker(cnAnswers(2)).runOnce()).toBe(1);
    expect(await row()).toMatchObject({
      attempts: 5,
      suspended: 2,
      last_error: null,
      confirmed_at: clock.toISOString(),
    });
    expect(await worker(cnAnswers(2)).runOnce()).toBe(0);
    expect(calls).toBe(5);
  });

  it('delivers a row once when two workers run at the same time', async () => {
    const results = await Promise.all([
      worker(cnAnswers(1)).runOnce(),
      worker(cnAnswers(1)).runOnce(),
    ]);
    expect(results.sort()).toEqual([0, 1]);
    expect(calls).toBe(1);
  });

  it('records a refusal by the target and does not confirm', async () => {
    // Signed with eu's key in us's name: cn refuses it.
    const forger = worker(
      async (url, body, signal) => {
        try {
          return await cnAnswers(1)(url, body, signal);
        } catch (error) {
          return {
            status: 401,
            body: { error: { code: (error as { code: string }).code, message: 'refused' } },
          };
        }
      },
      activePrivateJwk(keys('eu'), 'signing'),
    );
    expect(await forger.runOnce()).toBe(0);
    expect(await row()).toMatchObject({
      attempts: 1,
      last_error: 'REGION_REQUEST_INVALID',
      confirmed_at: null,
    });
  });

  it("records a 500 whose body is no Domicile error as PEER_MALFORMED, a proxy's 502 as undelivered", async () => {
    // A real server on loopback in cn's place, answering JSON that is no Domicile error.
    let status = 500;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"oops":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const toServer: RegionTransport = (_url, body, signal) =>
      fetchRegionTransport(url, body, signal);
    try {
      await worker(toServer).runOnce();
      expect(await row()).toMatchObject({ attempts: 1, last_error: 'PEER_MALFORMED' });
      clock = new Date((await row()).next_attempt_at);
      status = 502;
      await worker(toServer).runOnce();
      expect(await row()).toMatchObject({ attempts: 2, last_error: 'REGION_REQUEST_UNDELIVERED' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends the request in the trace of the report that queued it, and logs in it', async () => {
    const queued = (await row()).traceparent ?? '';
    const traceId = queued.split('-')[1] ?? '';
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.traceparent as string | undefined);
      req.resume();
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const loggedIn: (string | undefined)[] = [];
    try {
      await new RegionOutboxWorker({
        db,
        directory,
        self: 'us',
        signer: new FileJwsSigner(activePrivateJwk(keys('us'), 'signing')),
        now: () => clock,
        transport: (_url, body, signal) => fetchRegionTransport(url, body, signal),
        logger: {
          info: () => undefined,
          warn: () => void loggedIn.push(currentTrace()?.traceId),
        },
      }).runOnce();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen[0]).not.toBe(queued);
    expect(loggedIn).toEqual([traceId]);
  });
});
