import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
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
      const pragma = async (name: string) =>
        (await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db)).rows[0];
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
      expect(await pragma('cache_size')).toEqual({ cache_size: -16_000 });
      // 1 is NORMAL: the WAL's fsync at each commit is group commit's (DESIGN: Durable, group-commit.test.ts).
      expect(await pragma('synchronous')).toEqual({ synchronous: 1 });
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
      expect(await pragma('wal_autocheckpoint')).toEqual({ wal_autocheckpoint: 0 });
      expect(existsSync(filename)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('fsyncs only at checkpoints when durability is relaxed, as asked by name', async () => {
    let flushes = 0;
    const db = createSqliteDatabase({
      filename: join(dir, 'relaxed.db'),
      durability: 'relaxed',
      syncFile: () => (flushes += 1),
    });
    try {
      await sql`create table t (v text)`.execute(db);
      await sql`insert into t (v) values ('a')`.execute(db);
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      expect(rows).toEqual([{ synchronous: 1 }]);
      expect(flushes).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('checkpoints the WAL into the database file from its own thread, never from the serving connection', async () => {
    const filename = join(dir, 'checkpointed.db');
    const db = createSqliteDatabase({ filename, checkpointIntervalMs: 20 });
    try {
      await sql`create table filler (body text not null)`.execute(db);
      const before = statSync(filename).size;
      for (let i = 0; i < 200; i++)
        await sql`insert into filler (body) values (${'x'.repeat(4000)})`.execute(db);
      // The serving connection does not checkpoint (autocheckpoint is 0): only the thread can grow the file.
      await vi.waitFor(() => expect(statSync(filename).size).toBeGreaterThan(before + 100 * 4096), {
        timeout: 5_000,
        interval: 20,
      });
    } finally {
      await db.destroy();
    }
  });

  it('lets a script end once destroyed, whether or not the checkpointer thread was up yet', () => {
    // Run by Node alone, as a CLI command is: nothing but the thread's exit keeps its event loop
    // alive while destroy() waits for it (Node would end with an unsettled top-level await, 13).
    const module = fileURLToPath(new URL('./sqlite-database.ts', import.meta.url));
    const script = `
      const { createSqliteDatabase } = await import(${JSON.stringify(module)});
      const { sql } = await import('kysely');
      for (const wait of [0, 300]) {
        const db = createSqliteDatabase({ filename: ${JSON.stringify(join(dir, 'script.db'))}, checkpointIntervalMs: 5 });
        await sql\`select 1\`.execute(db);
        await new Promise((resolve) => setTimeout(resolve, wait));
        await db.destroy();
      }
      console.log('destroyed');`;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '--conditions=@domicile/source' },
      },
    );
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({
      status: 0,
      stdout: 'destroyed',
    });
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
