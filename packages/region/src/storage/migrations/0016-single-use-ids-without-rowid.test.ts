import { Migrator, sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../database.js';
import { migrateToLatest } from '../open-database.js';
import { createSqliteDatabase } from '../sqlite/index.js';
import { migrationProvider } from './migration-provider.js';

describe('migration 0016_single_use_ids_without_rowid', () => {
  let db: Kysely<Database>;
  beforeEach(() => {
    db = createSqliteDatabase({ filename: ':memory:' });
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('keeps the ids recorded before it, still refuses them twice, and stores them by key alone', async () => {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(
      '0015_devices_join',
    );
    expect(error).toBeUndefined();
    const recorded = {
      kind: 'dpop' as const,
      scope: 'jkt-1',
      jti: 'j-1',
      expires_at: '2030-01-01T00:00:00.000Z',
    };
    await db.insertInto('single_use_ids').values(recorded).execute();

    await migrateToLatest(db);
    expect(await db.selectFrom('single_use_ids').selectAll().execute()).toEqual([recorded]);
    await expect(db.insertInto('single_use_ids').values(recorded).execute()).rejects.toThrow(
      /UNIQUE constraint failed/,
    );
    const { rows } = await sql<{ sql: string }>`select sql from sqlite_master
      where tbl_name = 'single_use_ids' order by type desc, name`.execute(db);
    expect(rows.map((r) => r.sql)).toEqual([
      expect.stringMatching(/primary key \("kind", "scope", "jti"\)\) without rowid$/),
      'CREATE INDEX "single_use_ids_expires_at_idx" on "single_use_ids" ("expires_at")',
    ]);
  });
});
