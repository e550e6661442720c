import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase } from '../testing/test-database.js';
import { openDatabase, type Database } from './index.js';
import { PURGE_BATCH_ROWS, RETENTION, purgeExpiredBatch } from './expired-rows.js';
import * as f from './storage.fixtures.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();

async function count(db: Kysely<Database>, table: 'idempotency_keys' | 'authorization_requests') {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function purgeAll(db: Kysely<Database>, table: keyof typeof RETENTION): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await purgeExpiredBatch(db, table, NOW);
    deleted += batch.deleted;
    if (!batch.more) return deleted;
  }
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

  it('forgets idempotency keys a day after their last change, in batches, and keeps younger ones', async () => {
    const keep = RETENTION.idempotency_keys.keepForMs;
    const old = Array.from({ length: PURGE_BATCH_ROWS + 50 }, (_, i) =>
      f.idempotencyKey({ updated_at: ago(keep + 1_000 + i), created_at: ago(keep + 60_000) }),
    );
    for (let i = 0; i < old.length; i += 100)
      await db
        .insertInto('idempotency_keys')
        .values(old.slice(i, i + 100))
        .execute();
    // Created long ago but answered recently: still inside its retention.
    await db
      .insertInto('idempotency_keys')
      .values([
        f.idempotencyKey({ created_at: ago(2 * keep), updated_at: ago(keep - 1_000) }),
        f.idempotencyKey({
          state: 'in_flight',
          status_code: null,
          response_body: null,
          created_at: ago(1_000),
          updated_at: ago(1_000),
        }),
      ])
      .execute();

    const first = await purgeExpiredBatch(db, 'idempotency_keys', NOW);
    expect(first).toEqual({ deleted: PURGE_BATCH_ROWS, more: true });
    expect(await purgeAll(db, 'idempotency_keys')).toBe(50);
    expect(await count(db, 'idempotency_keys')).toBe(2);
  });

  it('forgets duplicate-transmission records a week after they were made', async () => {
    const keep = RETENTION.authorization_requests.keepForMs;
    await db
      .insertInto('authorization_requests')
      .values([
        f.authorizationRequest({ created_at: ago(keep + 1) }),
        f.authorizationRequest({ created_at: ago(keep + 86_400_000) }),
        f.authorizationRequest({ created_at: ago(keep - 60_000) }),
      ])
      .execute();
    expect(await purgeAll(db, 'authorization_requests')).toBe(2);
    expect(await count(db, 'authorization_requests')).toBe(1);
  });
});
