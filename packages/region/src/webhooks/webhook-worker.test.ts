import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  api,
  formatTraceparent,
  generateKeyPairJwk,
  newTrace,
  verifyJson,
  type KeyPairJwk,
} from '@domicile/protocol';
import { currentTrace, runInTrace } from '../logging/index.js';
import { TrustedIssuers } from '../request-auth/index.js';
import { openDatabase, type Database } from '../storage/index.js';
import { credential as credentialRow } from '../storage/storage.fixtures.js';
import { enqueueTokenEvent } from './webhook-events.js';
import { retryDelayMs } from '../workers/index.js';
import { WebhookWorker, type WebhookWorkerOptions } from './webhook-worker.js';
import { FileJwsSigner } from '../keys/index.js';

interface Received {
  eventId: string | undefined;
  contentType: string | undefined;
  traceparent: string | undefined;
  body: string;
}

let server: Server;
let url: string;
let received: Received[];
let statuses: number[];
let regionKey: KeyPairJwk;
let db: Kysely<Database>;
let clock: Date;

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  regionKey = await generateKeyPairJwk('sig');
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      received.push({
        eventId: req.headers[api.WEBHOOK_EVENT_ID_HEADER] as string | undefined,
        contentType: req.headers['content-type'],
        traceparent: req.headers.traceparent as string | undefined,
        body,
      });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  db = await openDatabase('sqlite::memory:');
  received = [];
  statuses = [];
  clock = new Date('2030-01-01T00:00:00Z');
});
afterEach(async () => {
  await db.destroy();
});

const worker = (o: Partial<WebhookWorkerOptions> = {}): WebhookWorker =>
  new WebhookWorker({
    db,
    region: 'us',
    signer: new FileJwsSigner(regionKey.privateJwk),
    urlFor: () => url,
    now: () => clock,
    random: () => 0.5,
    retryBaseMs: 1_000,
    retryMaxMs: 8_000,
    timeoutMs: 2_000,
    ...o,
  });

async function queue(count: number): Promise<string[]> {
  const issuers = await TrustedIssuers.fromConfig([
    {
      id: 'liberty',
      publicKey: regionKey.publicJwk,
      webhookUrl: url,
      productIds: ['us-liberty-visa'],
    },
  ]);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const credential = credentialRow({ token_number: `489000000000000${i}`, state: 'suspended' });
    const id = await enqueueTokenEvent(
      db,
      { region: 'us', issuers },
      {
        type: 'token.suspended',
        credential,
        productId: 'us-liberty-visa',
        actor: 'issuer',
        reason: 'fraud_suspected',
        now: clock,
      },
    );
    if (id === undefined) throw new Error('no event queued');
    ids.push(id);
  }
  return ids;
}
const rows = () => db.selectFrom('webhook_deliveries').selectAll().orderBy('event_id').execute();

describe('WebhookWorker', () => {
  it('delivers an event in the trace of the request that queued it: its POST and its log lines', async () => {
    const queuedIn = newTrace();
    const [id] = await runInTrace(queuedIn, () => queue(1));
    const [untraced] = await queue(1);
    expect((await rows()).find((r) => r.event_id === id)?.traceparent).toBe(
      formatTraceparent(queuedIn),
    );
    statuses = [503, 503];
    const loggedIn: (string | undefined)[] = [];
    const logger = { warn: () => void loggedIn.push(currentTrace()?.traceId) };
    await worker({ logger }).runOnce();
    const traced = received.find((r) => r.eventId === id);
    expect(traced?.traceparent).toMatch(new RegExp(`^00-${queuedIn.traceId}-[0-9a-f]{16}-01$`));
    expect(traced?.traceparent).not.toBe(formatTraceparent(queuedIn));
    // An event queued outside any request gets a trace of its own, another for each delivery.
    const other = received.find((r) => r.eventId === untraced)?.traceparent ?? '';
    expect(other).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(other).not.toContain(queuedIn.traceId);
    expect(loggedIn).toHaveLength(2);
    expect(loggedIn).toContain(queuedIn.traceId);
  });

  it('delivers each event as a JWS by the region key with its id in a header, and retries a failure with backoff', async () => {
    const ids = await queue(3);
    statuses = [503];
    expect(await worker().runOnce()).toBe(2);
    const failed = (await rows()).filter((r) => r.delivered_at === null);
    expect(failed).toHaveLength(1);
    // Equal jitter with random() = 0.5: three quarters of the 1 s base delay.
    expect(failed[0]).toMatchObject({
      attempts: 1,
      last_error: 'http 503',
      next_attempt_at: '2030-01-01T00:00:00.750Z',
    });

    expect(await worker().runOnce()).toBe(0);
    clock = new Date('2030-01-01T00:00:01Z');
    expect(await worker().runOnce()).toBe(1);
    expect((await rows()).every((r) => r.delivered_at !== null && r.last_error === null)).toBe(
      true,
    );

    expect(received).toHaveLength(4);
    for (const r of received) {
      expect(r.contentType).toBe('application/jose');
      const claims = (await verifyJson(
        r.body,
        regionKey.publicJwk,
        api.WEBHOOK_TYP,
      )) as api.WebhookClaims;
      expect(claims).toMatchObject({
        iss: 'us',
        aud: 'liberty',
        event: { id: r.eventId, type: 'token.suspended', reason: 'fraud_suspected' },
      });
    }
    expect(new Set(received.map((r) => r.eventId))).toEqual(new Set(ids));
  });

  it('sends an event once when two workers run together', async () => {
    await queue(4);
    const [a, b] = await Promise.all([worker().runOnce(), worker().runOnce()]);
    expect(a + b).toBe(4);
    expect(received.map((r) => r.eventId).sort()).toEqual(
      (await rows()).map((r) => r.event_id).sort(),
    );
  });

  it('records why an attempt failed without the answer: refused connection, timeout, no URL', async () => {
    await queue(1);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await worker({ urlFor: () => `http://127.0.0.1:${closedPort}/hooks` }).runOnce();
    expect((await rows())[0]).toMatchObject({ attempts: 1, last_error: 'ECONNREFUSED' });

    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      clock = new Date('2030-01-02T00:00:00Z');
      await worker({
        urlFor: () => `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
        timeoutMs: 100,
      }).runOnce();
      expect((await rows())[0]).toMatchObject({
        attempts: 2,
        last_error: 'TimeoutError',
        delivered_at: null,
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    clock = new Date('2030-01-03T00:00:00Z');
    await worker({ urlFor: () => undefined }).runOnce();
    expect((await rows())[0]).toMatchObject({
      attempts: 3,
      last_error: 'no webhook url configured',
    });
  });

  it('wakes on kick and stops cleanly', async () => {
    const w = worker({ pollIntervalMs: 60_000 });
    w.start();
    await queue(1);
    w.kick();
    await expect
      .poll(async () => (await rows())[0]?.delivered_at, { timeout: 5_000 })
      .not.toBeNull();
    await w.stop();
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base, caps at the maximum, and jitters within the upper half', () => {
    const policy = { baseMs: 1_000, maxMs: 300_000 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect(retryDelayMs(1, policy, () => 0.999_999)).toBe(1_000);
    expect(retryDelayMs(30, policy, () => 0)).toBe(150_000);
    expect(retryDelayMs(1_000, policy, () => 0.999_999)).toBe(300_000);
  });
});
