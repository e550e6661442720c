import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definedProps } from '@domicile/protocol';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../../testing/index.js';
import { DeferredBeginDriver, preparedName } from './deferred-begin-driver.js';
import { loadPg } from './load-pg.js';
import { createPostgresDatabase } from './postgres-database.js';

// Never skipped silently: without a server these tests fail, unless the skip is asked for.
const skip = process.env.DOMICILE_SKIP_PG === '1';

/** Rows of the scratch table, read on a connection of their own (what is committed). */
async function committed(db: Kysely<unknown>): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`select id from scratch order by id`.execute(db);
  return rows.map((r) => r.id);
}

describe.skipIf(skip)('DeferredBeginDriver', () => {
  let database: TestPostgresDatabase;
  let db: Kysely<unknown>;
  let statements = 0;

  beforeAll(async () => {
    database = await createTestPostgresDatabase('pg_deferred_begin');
    db = createPostgresDatabase({
      connectionString: database.connectionString,
      max: 2,
      onStatement: () => (statements += 1),
    }) as unknown as Kysely<unknown>;
    await sql`create table scratch (id int primary key)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const counted = async (work: () => Promise<unknown>): Promise<number> => {
    const before = statements;
    await work().catch(() => undefined);
    return statements - before;
  };

  it('runs the first statement inside the transaction: a rollback undoes it', async () => {
    await sql`delete from scratch`.execute(db);
    const sent = await counted(() =>
      db.transaction().execute(async (trx) => {
        await sql`insert into scratch values (${1})`.execute(trx);
        const { rows } = await sql<{ open: boolean }>`select
          txid_current_if_assigned() is not null as open`.execute(trx);
        expect(rows).toEqual([{ open: true }]);
        throw new Error('roll back');
      }),
    );
    expect(await committed(db)).toEqual([]);
    // insert, select, rollback: no round trip of its own for begin.
    expect(sent).toBe(3);
  });

  it('commits, with the isolation level asked for', async () => {
    await sql`delete from scratch`.execute(db);
    const level = await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        await sql`insert into scratch values (${2})`.execute(trx);
        const { rows } = await sql<{ level: string }>`select
          current_setting('transaction_isolation') as level`.execute(trx);
        return rows[0]?.level;
      });
    expect(level).toBe('repeatable read');
    expect(await committed(db)).toEqual([2]);
  });

  it('sends nothing for a transaction without statements', async () => {
    expect(await counted(() => db.transaction().execute(() => Promise.resolve(1)))).toBe(0);
    expect(
      await counted(() =>
        db.transaction().execute(() => Promise.reject(new Error('before any statement'))),
      ),
    ).toBe(0);
  });

  it('rolls back after a failed first statement and leaves the connection usable', async () => {
    await sql`delete from scratch`.execute(db);
    await sql`insert into scratch values (${3})`.execute(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into scratch values (${3})`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    for (let i = 0; i < 4; i += 1) expect(await committed(db)).toEqual([3]);
  });

  it('skips the statement when the server refuses its begin: it never runs on its own', async () => {
    await sql`delete from scratch`.execute(db);
    const pool = new (loadPg().Pool)({ connectionString: database.connectionString, max: 1 });
    const driver = new DeferredBeginDriver(pool);
    await driver.init();
    const connection = await driver.acquireConnection();
    try {
      await driver.beginTransaction(connection, { isolationLevel: 'bogus' as never });
      await expect(
        connection.executeQuery(CompiledQuery.raw('insert into scratch values ($1)', [4])),
      ).rejects.toMatchObject({ code: '42601' });
      const after = await connection.executeQuery(
        CompiledQuery.raw('select count(*)::int as n from scratch'),
      );
      expect(after.rows).toEqual([{ n: 0 }]);
    } finally {
      await driver.releaseConnection(connection);
      await driver.destroy();
    }
    expect(await committed(db)).toEqual([]);
  });

  it('prepares a statement with parameters once per connection, and no `*` or unparameterized one', async () => {
    const single = createPostgresDatabase({ connectionString: database.connectionString, max: 1 });
    try {
      await sql`delete from scratch`.execute(single);
      for (const id of [5, 6, 7])
        await sql`insert into scratch (id) values (${id})`.execute(single);
      const { rows } = await sql<{ id: number }>`select id from scratch where id >= ${6}`.execute(
        single,
      );
      expect(rows).toEqual([{ id: 6 }, { id: 7 }]);
      await sql`select * from scratch where id = ${5}`.execute(single);
      const names = await sql<{ statement: string }>`select statement from pg_prepared_statements
        where name like 'domicile_%' order by statement`.execute(single);
      expect(names.rows.map((r) => r.statement)).toEqual([
        'insert into scratch (id) values ($1)',
        'select id from scratch where id >= $1',
      ]);
    } finally {
      await single.destroy();
    }
    expect(preparedName('select * from scratch where id = $1', [1])).toBeUndefined();
    expect(preparedName('select id from scratch', [])).toBeUndefined();
    expect(preparedName('create table t (a int)', [1])).toBeUndefined();
    // A count's type does not follow the table's columns; a `*` beside it still lists them.
    expect(preparedName('select count(*) as n from scratch where id > $1', [1])).toBeDefined();
    expect(preparedName('select count(*), * from scratch where id > $1', [1])).toBeUndefined();
  });

  it("prepares a transaction's first statement too, and knows what it prepared whatever fails", async () => {
    await sql`delete from scratch`.execute(db);
    await sql`insert into scratch values (${20})`.execute(db);
    const pool = new (loadPg().Pool)({ connectionString: database.connectionString, max: 1 });
    const driver = new DeferredBeginDriver(pool);
    await driver.init();
    const connection = await driver.acquireConnection();
    // Each text new to the connection: its first use is its parse, behind a `begin`.
    const first = async (text: string, values: unknown[], level?: string) => {
      await driver.beginTransaction(connection, definedProps({ isolationLevel: level as never }));
      try {
        const { rows } = await connection.executeQuery(CompiledQuery.raw(text, values));
        await driver.commitTransaction(connection);
        return rows;
      } catch (error) {
        await driver.rollbackTransaction(connection);
        throw error;
      }
    };
    const insert = 'insert into scratch (id) values ($1) returning id';
    const select = 'select id from scratch where id > $1 order by id';
    try {
      // Parsed, then its run fails: prepared all the same, and bound, not parsed, next time.
      await expect(first(insert, [20])).rejects.toMatchObject({ code: '23505' });
      expect(await first(insert, [21])).toEqual([{ id: 21 }]);
      // Parsed, then its begin is refused: prepared, never run.
      await expect(first(select, [0], 'bogus')).rejects.toMatchObject({ code: '42601' });
      expect(await first(select, [20])).toEqual([{ id: 21 }]);
      // Its parse fails: nothing prepared, and the connection goes on.
      await expect(first('select nope from scratch where id = $1', [1])).rejects.toMatchObject({
        code: '42703',
      });
      const { rows } = await connection.executeQuery<{ statement: string }>(
        CompiledQuery.raw(
          "select statement from pg_prepared_statements where name like 'domicile_%' order by 1",
        ),
      );
      expect(rows.map((r) => r.statement)).toEqual([insert, select]);
    } finally {
      await driver.releaseConnection(connection);
      await driver.destroy();
    }
  });
});
