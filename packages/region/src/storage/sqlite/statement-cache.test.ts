import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.js';
import { definedProps } from '@domicile/protocol';

let raw: BetterSqlite3.Database;
afterEach(() => {
  if (raw.open) raw.close();
});

function open(maxStatements?: number): ReturnType<typeof withStatementCache> {
  raw = new BetterSqlite3(':memory:');
  raw.exec('create table t (id integer primary key, v text)');
  return withStatementCache(raw, definedProps({ maxStatements }));
}

describe('withStatementCache', () => {
  it('hands out the same prepared statement for the same SQL, and a new one for other SQL', () => {
    const db = open();
    const insert = db.prepare('insert into t (v) values (?)');
    insert.run(['a']);
    expect(db.prepare('insert into t (v) values (?)')).toBe(insert);
    expect(db.prepare('select v from t')).not.toBe(insert);
    expect(db.prepare('select v from t').all([])).toEqual([{ v: 'a' }]);
  });

  it('never hands out a statement an open iterator still holds', () => {
    const db = open();
    db.prepare('insert into t (v) values (?)').run(['a']);
    db.prepare('insert into t (v) values (?)').run(['b']);
    const first = db.prepare('select v from t order by id');
    const iterator = first.iterate([]);
    expect(iterator.next().value).toEqual({ v: 'a' });
    const second = db.prepare('select v from t order by id');
    expect(second).not.toBe(first);
    expect(iterator.next().value).toEqual({ v: 'b' });
    expect(iterator.next().done).toBe(true);
    expect(second.all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(db.prepare('select v from t order by id')).toBe(first);
  });

  it('calls onWrite for each statement that may write, cached or not, and never for reads or begin and commit', () => {
    raw = new BetterSqlite3(':memory:');
    raw.exec('create table t (id integer primary key, v text)');
    let writes = 0;
    const db = withStatementCache(raw, { onWrite: () => (writes += 1) });
    const sent = ['begin', 'select v from t', 'commit', 'insert into t (v) values (?)'];
    for (const sql of [...sent, ...sent]) db.prepare(sql);
    expect(writes).toBe(2);
    db.prepare('insert into t (v) values (?) returning id');
    expect(writes).toBe(3);
  });

  it('drops the least recently used statement when full', () => {
    const db = open(2);
    const a = db.prepare('select 1 as a');
    const b = db.prepare('select 2 as b');
    expect(db.prepare('select 1 as a')).toBe(a);
    db.prepare('select 3 as c');
    expect(db.prepare('select 1 as a')).toBe(a);
    expect(db.prepare('select 2 as b')).not.toBe(b);
  });

  it('serves Kysely: repeated queries with other parameters give their own answers', async () => {
    const db = new Kysely<{ t: { id: number; v: string } }>({
      dialect: new SqliteDialect({ database: open() }),
    });
    for (const v of ['x', 'y', 'z'])
      await db
        .insertInto('t')
        .values({ id: v.charCodeAt(0), v })
        .execute();
    for (const v of ['x', 'y', 'z'])
      expect(
        await db.selectFrom('t').select('v').where('id', '=', v.charCodeAt(0)).executeTakeFirst(),
      ).toEqual({ v });
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows).toEqual([
      { n: 3 },
    ]);
    await db.destroy();
  });
});
