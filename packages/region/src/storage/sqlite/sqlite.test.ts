import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { describeStorageContract } from '../storage.contract.js';
import { createSqliteDatabase } from './sqlite-database.js';

const dir = mkdtempSync(join(tmpdir(), 'domicile-sqlite-'));
let opened = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStorageContract('sqlite', () => {
  opened += 1;
  const db = createSqliteDatabase({ filename: join(dir, `region-${opened}.db`) });
  return Promise.resolve({ db, close: () => db.destroy() });
});

describe('createSqliteDatabase', () => {
  it('writes a file in WAL mode with the configured pragmas, creating its directory', async () => {
    const filename = join(dir, 'nested', 'deeper', 'region.db');
    const db = createSqliteDatabase({ filename });
    try {
      const pragma = async (name: string) => (await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db)).rows[0];
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
      expect(await pragma('synchronous')).toEqual({ synchronous: 1 });
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
      expect(existsSync(filename)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('opens :memory:', async () => {
    const db = createSqliteDatabase({ filename: ':memory:' });
    try {
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });
});
