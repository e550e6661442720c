import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomicileError, isDomicileError } from '@domicile/protocol';
import { openNodeDatabases, type NodeDatabases } from '../nodes/node-databases.fixtures.js';
import type { SingleUseId } from '../request-auth/index.js';
import {
  createSqliteDatabase,
  migrateToLatest,
  type Database,
  type SqlDialectName,
} from '../storage/index.js';
import {
  IdempotencyStore,
  requestHash,
  type IdempotentOperation,
  type IdempotentRequest,
} from './idempotency-store.js';

const oneCommit = { oneCommit: true };
let n = 0;

/** A device write's request, with its own key and a fresh proof `jti`. */
function request(): IdempotentRequest & { singleUse: SingleUseId } {
  n += 1;
  return {
    scope: 'device-1',
    key: `key-one-commit-${n}-0123456789`,
    method: 'POST',
    path: '/v1/x',
    body: { n },
    singleUse: proof(`jti-${n}`),
  };
}

function proof(jti: string): SingleUseId {
  return {
    kind: 'dpop',
    scope: 'device-1',
    jti,
    expiresAt: new Date(Date.now() + 60_000),
    replayed: 'DPOP_REPLAYED',
  };
}

/** The change an operation makes (a ledger row of its own), and whether it is there. */
const effect = {
  make: (trx: Kysely<Database>, name: string) =>
    trx
      .insertInto('single_use_ids')
      .values({ kind: 'issuer', scope: 'effect', jti: name, expires_at: '2100-01-01T00:00:00Z' })
      .execute(),
  made: async (db: Kysely<Database>, name: string): Promise<boolean> =>
    (await db
      .selectFrom('single_use_ids')
      .select('jti')
      .where('scope', '=', 'effect')
      .where('jti', '=', name)
      .executeTakeFirst()) !== undefined,
};

const spent = async (db: Kysely<Database>, id: SingleUseId): Promise<boolean> =>
  (await db
    .selectFrom('single_use_ids')
    .select('jti')
    .where('kind', '=', id.kind)
    .where('jti', '=', id.jti)
    .executeTakeFirst()) !== undefined;

const keyRow = (db: Kysely<Database>, r: IdempotentRequest) =>
  db
    .selectFrom('idempotency_keys')
    .select(['state', 'status_code'])
    .where('scope', '=', r.scope)
    .where('key', '=', r.key)
    .executeTakeFirst();

/** An operation that makes `name` and records `body` in one transaction, after `before`. */
function work(
  db: Kysely<Database>,
  name: string,
  body: unknown,
  before: () => Promise<void> = () => Promise.resolve(),
): IdempotentOperation {
  return async (attempt) => {
    await before();
    const answer = { status: 201, body };
    await db.transaction().execute(async (trx) => {
      await effect.make(trx, name);
      await attempt.record(trx, answer);
    });
    return answer;
  };
}

/** A promise and the call that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

// Never skipped silently: without a PostgreSQL server these fail, unless the skip is asked for.
const dialects: SqlDialectName[] =
  process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('one-commit attempts, on %s', (dialect) => {
  let dbs: NodeDatabases;
  let db: Kysely<Database>;
  let store: IdempotencyStore;
  beforeAll(async () => {
    dbs = await openNodeDatabases(dialect);
    db = dbs.connect();
    store = new IdempotencyStore({ db, incarnation: 'a-live-incarnation' });
  });
  afterAll(() => dbs.close());

  it('takes the key with its answer and spends the proof in the transaction of the work', async () => {
    const r = request();
    let before: unknown;
    const result = await store.run(
      r,
      work(db, 'made-1', { made: 1 }, async () => {
        // Nothing is committed before the work: a crash here leaves the key free.
        before = { key: await keyRow(db, r), spent: await spent(db, r.singleUse) };
      }),
      oneCommit,
    );
    expect(before).toEqual({ key: undefined, spent: false });
    expect(result).toEqual({ status: 201, body: { made: 1 }, replayed: false });
    expect(await keyRow(db, r)).toEqual({ state: 'done', status_code: 201 });
    expect(await spent(db, r.singleUse)).toBe(true);

    // A retry, with a new proof, replays the answer: the work it ran again rolled back.
    const retry = { ...r, singleUse: proof(`${r.singleUse.jti}-retry`) };
    expect(await store.run(retry, work(db, 'made-again', {}), oneCommit)).toEqual({
      ...result,
      replayed: true,
    });
    expect(await effect.made(db, 'made-again')).toBe(false);
    expect(await spent(db, retry.singleUse)).toBe(true);

    // One whose work now refuses (a session moved on) gets the first answer too, not the refusal.
    const refused = { ...r, singleUse: proof(`${r.singleUse.jti}-refused`) };
    const moved: IdempotentOperation = () => Promise.reject(new DomicileError('SESSION_STATE'));
    expect(await store.run(refused, moved, oneCommit)).toEqual({ ...result, replayed: true });
  });

  it('lets one of two concurrent attempts commit: the other rolls back whole and replays its answer', async () => {
    const r = request();
    const gates = [signal(), signal()];
    const started = [signal(), signal()];
    const attempts = [0, 1].map((i) =>
      store.run(
        { ...r, singleUse: proof(`${r.singleUse.jti}-${i}`) },
        work(db, `race-${n}-${i}`, { winner: i }, async () => {
          started[i]?.resolve();
          await gates[i]?.promise;
        }),
        oneCommit,
      ),
    );
    // Both found the key free; the first commits, then the second tries.
    await Promise.all(started.map((s) => s.promise));
    gates[0]?.resolve();
    const first = await attempts[0];
    gates[1]?.resolve();
    const second = await attempts[1];
    expect(first).toEqual({ status: 201, body: { winner: 0 }, replayed: false });
    expect(second).toEqual({ ...first, replayed: true });
    expect(await effect.made(db, `race-${n}-1`)).toBe(false);
    // The loser's proof is spent all the same (with the replay), as a retry's is.
    expect(await spent(db, proof(`${r.singleUse.jti}-1`))).toBe(true);
  });

  it('refuses a replayed proof with nothing of its transaction visible', async () => {
    const first = request();
    await store.run(first, work(db, `first-${n}`, {}), oneCommit);
    const replay = { ...request(), singleUse: first.singleUse };
    await expect(store.run(replay, work(db, `replay-${n}`, {}), oneCommit)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DPOP_REPLAYED'),
    );
    expect(await effect.made(db, `replay-${n}`)).toBe(false);
    expect(await keyRow(db, replay)).toBeUndefined();
  });

  it('stores a refusal with its proof, and replays it', async () => {
    const r = request();
    const refusal = new DomicileError('TERMS_MISMATCH');
    const refuse: IdempotentOperation = () => Promise.reject(refusal);
    await expect(store.run(r, refuse, oneCommit)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'TERMS_MISMATCH'),
    );
    expect(await spent(db, r.singleUse)).toBe(true);
    const retry = { ...r, singleUse: proof(`${r.singleUse.jti}-retry`) };
    expect(await store.run(retry, work(db, `after-${n}`, {}), oneCommit)).toMatchObject({
      status: refusal.status,
      body: refusal.toBody(),
      replayed: true,
    });
  });

  it('leaves the key free after a failure before its commit, and the proof spent', async () => {
    const r = request();
    const failing: IdempotentOperation = (attempt) =>
      db.transaction().execute(async (trx) => {
        await effect.make(trx, `failed-${n}`);
        await attempt.record(trx, { status: 201, body: {} });
        throw new Error('disk full');
      });
    await expect(store.run(r, failing, oneCommit)).rejects.toThrow('disk full');
    expect(await effect.made(db, `failed-${n}`)).toBe(false);
    expect(await keyRow(db, r)).toBeUndefined();
    expect(await spent(db, r.singleUse)).toBe(true);
    const retry = { ...r, singleUse: proof(`${r.singleUse.jti}-retry`) };
    expect(await store.run(retry, work(db, `retried-${n}`, { ok: true }), oneCommit)).toEqual({
      status: 201,
      body: { ok: true },
      replayed: false,
    });
  });

  it('takes over the reservation of an incarnation that is gone, and runs under it', async () => {
    const r = request();
    const at = new Date().toISOString();
    await db
      .insertInto('idempotency_keys')
      .values({
        scope: r.scope,
        key: r.key,
        request_hash: requestHash(r),
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at: at,
        updated_at: at,
        incarnation: 'an-incarnation-long-gone',
      })
      .execute();
    expect(await store.run(r, work(db, `taken-${n}`, { taken: true }), oneCommit)).toEqual({
      status: 201,
      body: { taken: true },
      replayed: false,
    });
    expect(await keyRow(db, r)).toEqual({ state: 'done', status_code: 201 });
  });
});

describe('a one-commit attempt on SQLite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'one-commit-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('costs one transaction, nothing more', async () => {
    let statements = 0;
    const db = createSqliteDatabase({
      filename: join(dir, 'region.db'),
      onStatement: () => {
        statements += 1;
      },
    });
    try {
      await migrateToLatest(db);
      const store = new IdempotencyStore({ db, incarnation: 'a-live-incarnation' });
      statements = 0;
      await store.run(request(), work(db, 'counted', {}), oneCommit);
      // begin, the work, the proof, the key with its answer, commit.
      expect(statements).toBe(5);
    } finally {
      await db.destroy();
    }
  });
});
