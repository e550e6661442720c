import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqliteDatabase, type Database } from '../storage/index.js';
import { durableAnswers, durableFetch } from './durable-output.js';

const dir = mkdtempSync(join(tmpdir(), 'domicile-durable-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A SQLite database whose WAL flushes wait for `release` (or fail, with `fail`). */
async function heldDatabase(name: string) {
  const waiting: ((error?: Error) => void)[] = [];
  // The table's own commit is flushed at once: later flushes are the test's to hold.
  let holding = false;
  const db = createSqliteDatabase({
    filename: join(dir, `${name}.db`),
    syncFile: (fd, done) => {
      if (!holding) return fdatasync(fd, done);
      waiting.push((error) => (error === undefined ? fdatasync(fd, done) : done(error)));
    },
  });
  await sql`create table t (v text not null)`.execute(db);
  holding = true;
  return {
    db,
    release: () => waiting.splice(0).forEach((flush) => flush()),
    fail: () => waiting.splice(0).forEach((flush) => flush(new Error('EIO'))),
    pendingFlushes: () => waiting.length,
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

const opened: Kysely<Database>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

function appReading(db: Kysely<Database>) {
  const app = Fastify();
  app.addHook('onSend', durableAnswers(db));
  app.get('/rows', async () => (await sql<{ v: string }>`select v from t`.execute(db)).rows);
  return app;
}

describe('durable output', () => {
  it('holds an answer read from a commit not yet durable until its flush completes', async () => {
    const { db, release, pendingFlushes } = await heldDatabase('answer');
    opened.push(db);
    const commit = sql`insert into t (v) values ('a')`.execute(db);
    await settle();
    expect(pendingFlushes()).toBe(1);
    let answered = false;
    const answer = appReading(db)
      .inject({ method: 'GET', url: '/rows' })
      .then((response) => {
        answered = true;
        return response;
      });
    await settle();
    expect(answered).toBe(false);
    release();
    const response = await answer;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([{ v: 'a' }]);
    await commit;
  });

  it('answers 503 DATABASE_NOT_DURABLE, never the rows, when the flush fails', async () => {
    const { db, fail } = await heldDatabase('failed');
    opened.push(db);
    const commit = sql`insert into t (v) values ('secret')`.execute(db).catch(() => undefined);
    await settle();
    const answer = appReading(db).inject({ method: 'GET', url: '/rows' });
    await settle();
    fail();
    const response = await answer;
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'DATABASE_NOT_DURABLE' } });
    expect(response.body).not.toContain('secret');
    await commit;
  });

  it('answers at once when nothing is pending', async () => {
    const { db } = await heldDatabase('idle');
    opened.push(db);
    const response = await appReading(db).inject({ method: 'GET', url: '/rows' });
    expect(response.json()).toEqual([]);
  });

  it('calls out only once the commits the call may carry are durable', async () => {
    const { db, release } = await heldDatabase('fetch');
    opened.push(db);
    const commit = sql`insert into t (v) values ('a')`.execute(db);
    await settle();
    const sent: string[] = [];
    const send = durableFetch(db, (input) => {
      sent.push(input instanceof Request ? input.url : input.toString());
      return Promise.resolve(new Response('ok'));
    });
    const call = send('http://127.0.0.1:9/issuer');
    await settle();
    expect(sent).toEqual([]);
    release();
    expect(await (await call).text()).toBe('ok');
    expect(sent).toEqual(['http://127.0.0.1:9/issuer']);
    await commit;
  });
});
