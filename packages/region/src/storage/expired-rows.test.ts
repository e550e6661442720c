import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import { createTestPostgresDatabase } from '../testing/test-database.js';
import { openDatabase, type Database } from './index.js';
import { PURGE_BATCH_ROWS, purgeExpiredBatch, type ExpiringTable } from './expired-rows.js';
import {
  DEFAULT_RETENTION,
  RETENTION_LIMITS,
  retentionPolicy,
  type RetentionPolicy,
} from './retention-policy.js';
import * as f from './storage.fixtures.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();

type Kept = 'idempotency_keys' | 'authorization_requests';

async function keys(db: Kysely<Database>, table: Kept): Promise<string[]> {
  const column = table === 'idempotency_keys' ? 'key' : 'request_id';
  const rows = await db.selectFrom(table).select(`${column} as id`).execute();
  return rows.map((r) => r.id).sort();
}

async function purgeAll(
  db: Kysely<Database>,
  table: ExpiringTable,
  options: { retention?: RetentionPolicy; batchRows?: number } = {},
): Promise<number[]> {
  const batches: number[] = [];
  for (;;) {
    const batch = await purgeExpiredBatch(db, table, NOW, options);
    batches.push(batch.deleted);
    if (!batch.more) return batches;
  }
}

async function insertKeys(db: Kysely<Database>, rows: ReturnType<typeof f.idempotencyKey>[]) {
  for (let i = 0; i < rows.length; i += 100)
    await db
      .insertInto('idempotency_keys')
      .values(rows.slice(i, i + 100))
      .execute();
}

describe.each(['sqlite', 'postgres'] as const)('retention on %s', (kind) => {
  let db: Kysely<Database>;
  let cleanUp: () => Promise<void>;
  beforeAll(async () => {
    if (kind === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'domicile-retention-'));
      db = await openDatabase(`sqlite:${join(dir, 'region.db')}`);
      cleanUp = () => rm(dir, { recursive: true, force: true });
    } else {
      const pg = await createTestPostgresDatabase('retention');
      db = await openDatabase(pg.connectionString);
      cleanUp = () => pg.drop();
    }
  });
  afterAll(async () => {
    await db.destroy();
    await cleanUp();
  });
  beforeEach(async () => {
    for (const table of ['idempotency_keys', 'authorization_requests', 'node_leases'] as const)
      await db.deleteFrom(table).execute();
  });

  it('forgets idempotency keys a day after their last change, in batches, to the millisecond', async () => {
    const keep = DEFAULT_RETENTION.idempotencyKeysMs;
    const old = Array.from({ length: PURGE_BATCH_ROWS + 50 }, (_, i) =>
      f.idempotencyKey({
        key: `old-${i}`,
        updated_at: ago(keep + 1 + i),
        created_at: ago(2 * keep),
      }),
    );
    await insertKeys(db, old);
    await insertKeys(db, [
      // Exactly at the cutoff: still inside its retention.
      f.idempotencyKey({ key: 'at-cutoff', updated_at: ago(keep), created_at: ago(keep) }),
      // Created long ago but answered recently.
      f.idempotencyKey({ key: 'answered-late', created_at: ago(2 * keep), updated_at: ago(HOUR) }),
    ]);
    expect(await purgeAll(db, 'idempotency_keys')).toEqual([PURGE_BATCH_ROWS, 50]);
    expect(await keys(db, 'idempotency_keys')).toEqual(['answered-late', 'at-cutoff']);
  });

  it('never forgets a reservation a live node still holds, however old; forgets a dead node’s', async () => {
    const keep = DEFAULT_RETENTION.idempotencyKeysMs;
    const live = f.nodeLease({ expires_at: new Date(NOW.getTime() + 5_000).toISOString() });
    const ended = f.nodeLease({ expires_at: NOW.toISOString() });
    await db.insertInto('node_leases').values([live, ended]).execute();
    const inFlight = { state: 'in_flight', status_code: null, response_body: null } as const;
    const stale = { created_at: ago(3 * keep), updated_at: ago(2 * keep) };
    await insertKeys(db, [
      f.idempotencyKey({ key: 'live-node', ...inFlight, ...stale, incarnation: live.incarnation }),
      f.idempotencyKey({
        key: 'ended-lease',
        ...inFlight,
        ...stale,
        incarnation: ended.incarnation,
      }),
      f.idempotencyKey({ key: 'no-lease', ...inFlight, ...stale }),
      f.idempotencyKey({ key: 'before-0008', ...inFlight, ...stale, incarnation: null }),
      // Answered: its node's lease does not keep it.
      f.idempotencyKey({ key: 'done-live-node', ...stale, incarnation: live.incarnation }),
    ]);
    expect(await purgeAll(db, 'idempotency_keys')).toEqual([4]);
    expect(await keys(db, 'idempotency_keys')).toEqual(['live-node']);
  });

  it('does not let spared reservations fill a batch: the expired rows behind them still go', async () => {
    const live = f.nodeLease({ expires_at: new Date(NOW.getTime() + 5_000).toISOString() });
    await db.insertInto('node_leases').values(live).execute();
    const spared = Array.from({ length: 8 }, (_, i) =>
      f.idempotencyKey({
        key: `spared-${i}`,
        state: 'in_flight',
        status_code: null,
        response_body: null,
        updated_at: ago(40 * HOUR + i),
        incarnation: live.incarnation,
      }),
    );
    const expired = Array.from({ length: 7 }, (_, i) =>
      f.idempotencyKey({ key: `expired-${i}`, updated_at: ago(30 * HOUR + i) }),
    );
    await insertKeys(db, [...spared, ...expired]);
    expect(await purgeAll(db, 'idempotency_keys', { batchRows: 3 })).toEqual([3, 3, 1]);
    expect(await keys(db, 'idempotency_keys')).toEqual(spared.map((r) => r.key).sort());
  });

  it('forgets duplicate-transmission records a week after they were made', async () => {
    const keep = DEFAULT_RETENTION.authorizationRequestsMs;
    await db
      .insertInto('authorization_requests')
      .values([
        f.authorizationRequest({ request_id: 'just-over', created_at: ago(keep + 1) }),
        f.authorizationRequest({ request_id: 'day-over', created_at: ago(keep + 24 * HOUR) }),
        f.authorizationRequest({ request_id: 'at-cutoff', created_at: ago(keep) }),
        f.authorizationRequest({ request_id: 'six-days', created_at: ago(keep - 24 * HOUR) }),
      ])
      .execute();
    expect(await purgeAll(db, 'authorization_requests')).toEqual([2]);
    expect(await keys(db, 'authorization_requests')).toEqual(['at-cutoff', 'six-days']);
  });

  it('keeps each table as long as the configured policy says, not the default', async () => {
    const retention = retentionPolicy({
      idempotencyKeysMs: 2 * HOUR,
      authorizationRequestsMs: 30 * 24 * HOUR,
    });
    await insertKeys(db, [
      f.idempotencyKey({ key: 'three-hours', updated_at: ago(3 * HOUR) }),
      f.idempotencyKey({ key: 'one-hour', updated_at: ago(HOUR) }),
    ]);
    await db
      .insertInto('authorization_requests')
      .values([
        f.authorizationRequest({ request_id: 'ten-days', created_at: ago(10 * 24 * HOUR) }),
        f.authorizationRequest({ request_id: 'forty-days', created_at: ago(40 * 24 * HOUR) }),
      ])
      .execute();
    expect(await purgeAll(db, 'idempotency_keys', { retention })).toEqual([1]);
    expect(await keys(db, 'idempotency_keys')).toEqual(['one-hour']);
    expect(await purgeAll(db, 'authorization_requests', { retention })).toEqual([1]);
    expect(await keys(db, 'authorization_requests')).toEqual(['ten-days']);
  });
});

describe('retentionPolicy', () => {
  const refusal = (config: Partial<RetentionPolicy>): unknown => {
    try {
      retentionPolicy(config);
    } catch (error) {
      if (isDomicileError(error)) return { code: error.code, details: error.details };
      throw error;
    }
    return 'accepted';
  };

  it('takes the defaults, and each limit itself', () => {
    expect(retentionPolicy()).toEqual(DEFAULT_RETENTION);
    expect(retentionPolicy({ idempotencyKeysMs: RETENTION_LIMITS.idempotencyKeysMs[0] })).toEqual({
      ...DEFAULT_RETENTION,
      idempotencyKeysMs: HOUR,
    });
    const [min, max] = RETENTION_LIMITS.authorizationRequestsMs;
    for (const ms of [min, max])
      expect(retentionPolicy({ authorizationRequestsMs: ms }).authorizationRequestsMs).toBe(ms);
  });

  it('refuses a retention out of range or not whole, naming the field', () => {
    const [keyMin, keyMax] = RETENTION_LIMITS.idempotencyKeysMs;
    const [requestMin] = RETENTION_LIMITS.authorizationRequestsMs;
    const cases: [Partial<RetentionPolicy>, string][] = [
      // Shorter than the device's retries, with its margin: a retry would run the request twice.
      [{ idempotencyKeysMs: 60_000 }, 'retention.idempotencyKeysMs'],
      [{ idempotencyKeysMs: keyMin - 1 }, 'retention.idempotencyKeysMs'],
      [{ idempotencyKeysMs: keyMax + 1 }, 'retention.idempotencyKeysMs'],
      [{ idempotencyKeysMs: Number.NaN }, 'retention.idempotencyKeysMs'],
      [{ authorizationRequestsMs: requestMin - 1 }, 'retention.authorizationRequestsMs'],
      [{ authorizationRequestsMs: 7.5 * 24 * HOUR + 0.5 }, 'retention.authorizationRequestsMs'],
    ];
    for (const [config, field] of cases)
      expect(refusal(config), JSON.stringify(config)).toEqual({
        code: 'CONFIG_INVALID',
        details: {
          field,
          reason: expect.stringMatching(
            /^expected an integer number of milliseconds from \d+ to \d+$/,
          ) as string,
        },
      });
  });
});
