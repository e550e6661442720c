import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomicileError, isDomicileError } from '@domicile/protocol';
import { LEASE_TTL_MS, NodeLease } from '../nodes/index.js';
import { openNodeDatabases, type NodeDatabases } from '../nodes/node-databases.fixtures.js';
import { openDatabase, type Database, type SqlDialectName } from '../storage/index.js';
import {
  ABANDONED_AFTER_MS,
  IN_PROGRESS_RETRY_AFTER_SECONDS,
  IdempotencyStore,
  requestHash,
} from './idempotency-store.js';

type Operation = () => Promise<{ status: number; body: unknown }>;

const req = {
  scope: 'device-1',
  key: 'key-0123456789abcdef',
  method: 'POST',
  path: '/v1/x',
  body: { a: 1 },
};

const answer =
  (body: unknown, status = 200): Operation =>
  () =>
    Promise.resolve({ status, body });

/** The refusal of a key still in progress, with the wait it suggests. */
const inProgress = (e: unknown): boolean =>
  isDomicileError(e, 'IDEMPOTENCY_IN_PROGRESS') &&
  e.details?.retryAfterSeconds === IN_PROGRESS_RETRY_AFTER_SECONDS;

/** Starts an attempt whose operation runs until `release`, and waits for its reservation. */
async function holdKey(
  store: IdempotencyStore,
  db: Kysely<Database>,
  r: typeof req = req,
): Promise<{ release: () => void; done: Promise<unknown> }> {
  let release: () => void = () => undefined;
  const done = store.run(
    r,
    () =>
      new Promise((resolve) => {
        release = () => resolve({ status: 200, body: { first: true } });
      }),
  );
  await vi.waitFor(
    async () => {
      expect(
        await db
          .selectFrom('idempotency_keys')
          .select('state')
          .where('scope', '=', r.scope)
          .where('key', '=', r.key)
          .executeTakeFirst(),
      ).toEqual({ state: 'in_flight' });
    },
    { timeout: 30_000 },
  );
  return { release: () => release(), done };
}

describe('idempotency keys', () => {
  let db: Kysely<Database>;
  let store: IdempotencyStore;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
    const lease = await NodeLease.acquire({
      db,
      logger: { warn: () => undefined, error: () => undefined },
      now: () => new Date(),
    });
    store = new IdempotencyStore({ db, incarnation: lease.incarnation });
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('runs an operation once and replays its answer', async () => {
    let runs = 0;
    const op = (): Promise<{ status: number; body: unknown }> => {
      runs++;
      return Promise.resolve({ status: 201, body: { n: runs } });
    };
    expect(await store.run(req, op)).toEqual({ status: 201, body: { n: 1 }, replayed: false });
    expect(await store.run(req, op)).toEqual({ status: 201, body: { n: 1 }, replayed: true });
    expect(runs).toBe(1);
  });

  it('refuses the same key with another body', async () => {
    await store.run(req, answer({}));
    await expect(store.run({ ...req, body: { a: 2 } }, answer({}))).rejects.toSatisfy((e) =>
      isDomicileError(e, 'IDEMPOTENCY_KEY_REUSED'),
    );
  });

  it('keeps keys of different devices apart', async () => {
    await store.run(req, answer({ who: 1 }));
    expect((await store.run({ ...req, scope: 'device-2' }, answer({ who: 2 }))).body).toEqual({
      who: 2,
    });
  });

  it('replays a domain refusal, but lets a retry run again after an internal failure', async () => {
    await expect(
      store.run(req, () =>
        Promise.reject(new DomicileError('IDV_CODE_INVALID', { details: { triesLeft: 2 } })),
      ),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'IDV_CODE_INVALID'));
    expect(await store.run(req, answer({}))).toMatchObject({ status: 422, replayed: true });

    const other = { ...req, key: 'key-fedcba9876543210' };
    await expect(store.run(other, () => Promise.reject(new Error('disk full')))).rejects.toThrow(
      'disk full',
    );
    expect(await store.run(other, answer({ ok: true }))).toMatchObject({
      status: 200,
      replayed: false,
    });
  });

  it('stores an answer recorded in the work transaction with that commit, not after it', async () => {
    const stored = (): Promise<unknown> =>
      db
        .selectFrom('idempotency_keys')
        .select(['state', 'status_code'])
        .where('key', '=', req.key)
        .executeTakeFirst();
    let afterCommit: unknown;
    const result = await store.run(req, async (attempt) => {
      const answer = { status: 201, body: { made: true } };
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('single_use_ids').execute();
        await attempt.record(trx, answer);
      });
      // A crash from here on finds the answer, and replays it: the change is in.
      afterCommit = await stored();
      return answer;
    });
    expect(afterCommit).toEqual({ state: 'done', status_code: 201 });
    expect(result).toEqual({ status: 201, body: { made: true }, replayed: false });
    expect(await store.run(req, answer({}))).toEqual({ ...result, replayed: true });
  });

  it('keeps nothing of an answer whose transaction rolled back: the key is free again', async () => {
    await expect(
      store.run(req, (attempt) =>
        db.transaction().execute(async (trx) => {
          await attempt.record(trx, { status: 200, body: { lost: true } });
          throw new Error('disk full');
        }),
      ),
    ).rejects.toThrow('disk full');
    expect(await store.run(req, answer({ again: true }))).toEqual({
      status: 200,
      body: { again: true },
      replayed: false,
    });
  });

  it('answers IN_PROGRESS, with a Retry-After, while the first attempt of this process runs', async () => {
    const first = await holdKey(store, db);
    await expect(store.run(req, answer({}))).rejects.toSatisfy(inProgress);
    first.release();
    await first.done;
    expect(await store.run(req, answer({}))).toEqual({
      status: 200,
      body: { first: true },
      replayed: true,
    });
  });

  it('drains: waits for the attempts in flight before the process gives up its lease', async () => {
    const first = await holdKey(store, db);
    let drained = false;
    const draining = store.drain().then(() => {
      drained = true;
    });
    await store.run({ ...req, key: 'key-quick-0123456789' }, answer({}));
    expect(drained).toBe(false);
    first.release();
    await draining;
    expect(drained).toBe(true);
    await store.drain();
  });

  it('holds new attempts until the node has claimed its address, then runs them', async () => {
    let open: () => void = () => undefined;
    store.holdUntil(new Promise<void>((resolve) => (open = resolve)));
    let ran = false;
    const attempt = store.run(req, () => {
      ran = true;
      return Promise.resolve({ status: 200, body: { ok: true } });
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
    expect(await db.selectFrom('idempotency_keys').select('key').execute()).toEqual([]);
    open();
    expect(await attempt).toEqual({ status: 200, body: { ok: true }, replayed: false });
  });

  it('takes over a reservation made before incarnations existed once it is old enough', async () => {
    const t0 = new Date();
    await db
      .insertInto('idempotency_keys')
      .values({
        scope: req.scope,
        key: req.key,
        request_hash: requestHash(req),
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at: t0.toISOString(),
        updated_at: t0.toISOString(),
        incarnation: null,
      })
      .execute();
    let t = t0.getTime() + ABANDONED_AFTER_MS;
    const clocked = new IdempotencyStore({
      db,
      incarnation: 'another-incarnation',
      now: () => new Date(t),
    });
    await expect(clocked.run(req, answer({}))).rejects.toSatisfy(inProgress);
    t += 1;
    expect(await clocked.run(req, answer({ retried: true }))).toEqual({
      status: 200,
      body: { retried: true },
      replayed: false,
    });
  });
});

// Never skipped silently: without a PostgreSQL server these fail, unless the skip is asked for.
const dialects: SqlDialectName[] =
  process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('idempotency keys held by process incarnations, on %s', (dialect) => {
  let dbs: NodeDatabases;
  let t: number;
  const now = (): Date => new Date(t);
  const logger = { warn: () => undefined, error: () => undefined };
  /** A region process starting on the shared database: its lease (not renewed unless asked) and its store. */
  const startNode = async (): Promise<{
    db: Kysely<Database>;
    lease: NodeLease;
    store: IdempotencyStore;
  }> => {
    const db = dbs.connect();
    const lease = await NodeLease.acquire({ db, logger, now });
    return { db, lease, store: new IdempotencyStore({ db, incarnation: lease.incarnation, now }) };
  };
  let n = 0;
  const freshKey = (): typeof req => ({ ...req, key: `key-${dialect}-${++n}-0123456789` });

  beforeAll(async () => {
    dbs = await openNodeDatabases(dialect);
  });
  afterAll(() => dbs.close());
  beforeEach(() => {
    t = Date.UTC(2026, 11, 1, 2, 0, 0);
  });

  it.runIf(dialect === 'sqlite')(
    'a retry after a restart takes the key of the killed process at once',
    async () => {
      const killed = await startNode();
      const key = freshKey();
      await holdKey(killed.store, killed.db, key);
      // kill -9: the operation never ends, the lease is never renewed nor released.
      const restarted = await startNode();
      expect(await restarted.store.run(key, answer({ retried: true }))).toEqual({
        status: 200,
        body: { retried: true },
        replayed: false,
      });
      expect(await restarted.store.run(key, answer({}))).toMatchObject({ replayed: true });
    },
  );

  it.runIf(dialect === 'postgres')(
    "refuses a live node's key with a Retry-After while its lease is renewed, and takes it once the lease ends",
    async () => {
      const holder = await startNode();
      const other = await startNode();
      const key = freshKey();
      await holdKey(holder.store, holder.db, key);
      await expect(other.store.run(key, answer({}))).rejects.toSatisfy(inProgress);
      // Renewed within each TTL, the holder stays live long past one TTL.
      for (let i = 0; i < 3; i++) {
        t += LEASE_TTL_MS - 1;
        await holder.lease.renew();
        await other.lease.renew();
        await expect(other.store.run(key, answer({}))).rejects.toSatisfy(inProgress);
      }
      // The holder dies (its renewals stop): its key is free as soon as the lease ends.
      t += LEASE_TTL_MS - 1;
      await expect(other.store.run(key, answer({}))).rejects.toSatisfy(inProgress);
      t += 1;
      expect(await other.store.run(key, answer({ retried: true }))).toEqual({
        status: 200,
        body: { retried: true },
        replayed: false,
      });
    },
  );

  it('takes at once the key of an incarnation whose lease row is gone or ended', async () => {
    const survivor = await startNode();
    const key = freshKey();
    await survivor.db
      .insertInto('idempotency_keys')
      .values({
        scope: key.scope,
        key: key.key,
        request_hash: requestHash(key),
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at: now().toISOString(),
        updated_at: now().toISOString(),
        incarnation: 'an-incarnation-long-gone',
      })
      .execute();
    expect(await survivor.store.run(key, answer({ retried: true }))).toMatchObject({
      body: { retried: true },
      replayed: false,
    });
  });

  it("leaves a taken-over key to its taker: the first attempt's late end records nothing", async () => {
    const first = await startNode();
    const key = freshKey();
    const held = await holdKey(first.store, first.db, key);
    // The first process stalls past its TTL without renewing; another takes its key over.
    t += LEASE_TTL_MS;
    const taker = await startNode();
    let release: () => void = () => undefined;
    const retried = taker.store.run(
      key,
      () =>
        new Promise((resolve) => {
          release = () => resolve({ status: 201, body: { taker: true } });
        }),
    );
    await vi.waitFor(
      async () => {
        const row = await taker.db
          .selectFrom('idempotency_keys')
          .select('incarnation')
          .where('key', '=', key.key)
          .executeTakeFirstOrThrow();
        expect(row.incarnation).toBe(taker.lease.incarnation);
      },
      { timeout: 30_000 },
    );
    held.release();
    await held.done;
    const row = await taker.db
      .selectFrom('idempotency_keys')
      .select('state')
      .where('key', '=', key.key)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('in_flight');
    release();
    await retried;
    expect(await taker.store.run(key, answer({}))).toEqual({
      status: 201,
      body: { taker: true },
      replayed: true,
    });
  });
});
