import { fdatasync, fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../database.js';
import { outputFence } from '../output-fence.js';
import { createSqliteDatabase } from './sqlite-database.js';
import type { SyncFile } from './wal-barrier.js';

const dir = mkdtempSync(join(tmpdir(), 'domicile-group-commit-'));
let opened = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Held = { fd: number; finish: (error?: Error) => void };

/**
 * A database whose WAL flushes the test holds (`hold()`) or lets through to the real fdatasync.
 * Every flush is recorded with the inode it flushed.
 */
async function open(): Promise<{
  db: Kysely<Database>;
  filename: string;
  flushes: number[];
  held: Held[];
  hold: (on: boolean) => void;
}> {
  opened += 1;
  const filename = join(dir, `region-${opened}.db`);
  const flushes: number[] = [];
  const held: Held[] = [];
  let holding = false;
  const syncFile: SyncFile = (fd, done) => {
    flushes.push(fstatSync(fd).ino);
    if (holding) held.push({ fd, finish: (error) => (error ? done(error) : fdatasync(fd, done)) });
    else fdatasync(fd, done);
  };
  const db = createSqliteDatabase({ filename, syncFile });
  await sql`create table t (id integer primary key, v text not null)`.execute(db);
  return { db, filename, flushes, held, hold: (on) => (holding = on) };
}

const insert = (db: Kysely<Database>, v: string) =>
  sql`insert into t (v) values (${v})`.execute(db).then(() => undefined);

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function observe(promise: Promise<unknown>): () => 'pending' | 'done' | 'failed' {
  let state: 'pending' | 'done' | 'failed' = 'pending';
  promise.then(
    () => (state = 'done'),
    () => (state = 'failed'),
  );
  return () => state;
}

describe('group commit on the SQLite file', () => {
  it('answers a commit only after the fsync of the WAL that holds it has completed', async () => {
    const { db, filename, flushes, held, hold } = await open();
    try {
      hold(true);
      const commit = observe(insert(db, 'a'));
      await settle();
      expect(held).toHaveLength(1);
      expect(flushes.at(-1)).toBe(statSync(`${filename}-wal`).ino);
      expect(commit()).toBe('pending');
      held[0]?.finish();
      await expect.poll(commit).toBe('done');
    } finally {
      hold(false);
      await db.destroy();
    }
  });

  it('shares fsyncs between concurrent transactions: fewer flushes than commits, every row kept', async () => {
    const { db, flushes } = await open();
    try {
      const before = flushes.length;
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          db.transaction().execute(async (trx) => {
            await insert(trx, `row ${i}`);
            await sql`select count(*) from t`.execute(trx);
          }),
        ),
      );
      const count = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
      expect(count.rows).toEqual([{ n: 50 }]);
      expect(flushes.length - before).toBeGreaterThan(0);
      expect(flushes.length - before).toBeLessThan(50);
    } finally {
      await db.destroy();
    }
  });

  it('answers a read at once, and holds the output fence until the commits it may see are durable', async () => {
    const { db, held, hold } = await open();
    try {
      hold(true);
      const commit = observe(insert(db, 'a'));
      await settle();
      // The read sees the commit not yet durable: what it read must wait at the fence.
      expect((await sql<{ v: string }>`select v from t`.execute(db)).rows).toEqual([{ v: 'a' }]);
      const fenced = outputFence(db);
      expect(fenced).toBeDefined();
      const fence = observe(fenced ?? Promise.resolve());
      await settle();
      expect([commit(), fence()]).toEqual(['pending', 'pending']);
      held[0]?.finish();
      await expect.poll(fence).toBe('done');
      expect(commit()).toBe('done');
      // Once durable, there is nothing to wait for, and a read needs no flush at all.
      expect(outputFence(db)).toBeUndefined();
      const flushesBefore = held.length;
      await sql`select v from t`.execute(db);
      expect(held).toHaveLength(flushesBefore);
    } finally {
      hold(false);
      await db.destroy();
    }
  });

  it('gives a transaction the fence of the database it runs on', async () => {
    const { db, held, hold } = await open();
    try {
      hold(true);
      const commit = observe(insert(db, 'a'));
      await settle();
      await db.transaction().execute(async (trx) => {
        await sql`select v from t`.execute(trx);
        expect(outputFence(trx)).toBeDefined();
      });
      held.forEach((flush) => flush.finish());
      await expect.poll(commit).toBe('done');
    } finally {
      hold(false);
      await db.destroy();
    }
  });

  it('rejects the waiting callers when an fsync fails, and refuses every later query', async () => {
    const { db, held, hold } = await open();
    try {
      hold(true);
      const commits = [insert(db, 'a'), insert(db, 'b')];
      await settle();
      held[0]?.finish(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      for (const commit of commits)
        await expect(commit).rejects.toMatchObject({ code: 'DATABASE_NOT_DURABLE' });
      await expect(sql`select 1`.execute(db)).rejects.toMatchObject({
        code: 'DATABASE_NOT_DURABLE',
      });
      await expect(outputFence(db)).rejects.toMatchObject({ code: 'DATABASE_NOT_DURABLE' });
    } finally {
      hold(false);
      await db.destroy();
    }
  });

  it('lets a failed transaction roll back alone while the others commit', async () => {
    const { db } = await open();
    try {
      const outcomes = await Promise.allSettled([
        insert(db, 'kept'),
        db.transaction().execute(async (trx) => {
          await insert(trx, 'rolled back');
          throw new Error('refused');
        }),
        insert(db, 'kept too'),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      const rows = await sql<{ v: string }>`select v from t order by id`.execute(db);
      expect(rows.rows).toEqual([{ v: 'kept' }, { v: 'kept too' }]);
    } finally {
      await db.destroy();
    }
  });

  it('closes only once the commits waiting for their fsync are durable', async () => {
    const { db, held, hold } = await open();
    hold(true);
    const commit = observe(insert(db, 'a'));
    await settle();
    const closed = observe(db.destroy());
    await settle();
    expect([commit(), closed()]).toEqual(['pending', 'pending']);
    held[0]?.finish();
    await expect.poll(closed).toBe('done');
    expect(commit()).toBe('done');
  });

  it('counts every statement sent, begin and commit included', async () => {
    let statements = 0;
    const db = createSqliteDatabase({
      filename: join(dir, 'counted.db'),
      onStatement: () => (statements += 1),
    });
    try {
      await sql`create table t (v text)`.execute(db);
      await db.transaction().execute((trx) => insert(trx, 'a'));
      expect(statements).toBe(4);
    } finally {
      await db.destroy();
    }
  });
});
