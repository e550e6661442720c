import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import type { Database, SingleUseKind } from './database.js';
import { openDatabase } from './open-database.js';
import { dialectOf, precompiled } from './precompiled-query.js';
import { sqlDialectOf } from './migrations/portable-ddl.js';

const insertId = precompiled(4, (db, kind: SingleUseKind, scope: string, jti: string, at: string) =>
  db.insertInto('single_use_ids').values({ kind, scope, jti, expires_at: at }),
);

const idsOf = precompiled(2, (db, scope: string, kind: SingleUseKind) =>
  db
    .selectFrom('single_use_ids')
    .select(['jti', 'expires_at'])
    .where('scope', '=', scope)
    .where('kind', '=', kind)
    .orderBy('jti'),
);

const dialects = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('precompiled statements, on %s', (dialect) => {
  let db: Kysely<Database>;
  let pg: TestPostgresDatabase | undefined;

  beforeAll(async () => {
    if (dialect === 'postgres') pg = await createTestPostgresDatabase('homecpu_precompiled');
    db = await openDatabase(pg?.connectionString ?? 'sqlite::memory:');
  });
  afterAll(async () => {
    await db.destroy();
    await pg?.drop();
  });

  it('runs with each call’s arguments, in a transaction on its connection too', async () => {
    await insertId.execute(db, 'dpop', 'device-a', 'j1', '2030-01-01T00:00:00.000Z');
    await db.transaction().execute(async (trx) => {
      await insertId.execute(trx, 'dpop', 'device-a', 'j2', '2030-01-02T00:00:00.000Z');
      await insertId.execute(trx, 'network', 'device-a', 'j3', '2030-01-03T00:00:00.000Z');
    });
    expect((await idsOf.execute(db, 'device-a', 'dpop')).rows).toEqual([
      { jti: 'j1', expires_at: '2030-01-01T00:00:00.000Z' },
      { jti: 'j2', expires_at: '2030-01-02T00:00:00.000Z' },
    ]);
    expect((await idsOf.execute(db, 'device-a', 'network')).rows).toEqual([
      { jti: 'j3', expires_at: '2030-01-03T00:00:00.000Z' },
    ]);
    expect((await idsOf.execute(db, 'device-b', 'dpop')).rows).toEqual([]);
  });

  it('rolls back with the transaction it ran in, and fails as the statement would', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await insertId.execute(trx, 'dpop', 'device-c', 'j1', '2030-01-01T00:00:00.000Z');
        // The same primary key: a unique violation, as from the builder.
        await insertId.execute(trx, 'dpop', 'device-c', 'j1', '2030-01-01T00:00:00.000Z');
      }),
    ).rejects.toThrow();
    expect((await idsOf.execute(db, 'device-c', 'dpop')).rows).toEqual([]);
  });

  it('refuses a statement that does not send every argument as a value', async () => {
    const inlined = precompiled(1, (d, jti: string) =>
      d.selectFrom('single_use_ids').select('jti').where('jti', '=', String(jti)),
    );
    await expect(inlined.execute(db, 'j1')).rejects.toThrow(/uses 0 of its 1 arguments/);
  });

  it('knows the dialect as sqlDialectOf does, in a transaction too', async () => {
    expect(dialectOf(db)).toBe(sqlDialectOf(db));
    const inTransaction = await db.transaction().execute((trx) => Promise.resolve(dialectOf(trx)));
    expect(inTransaction).toBe(dialect);
  });
});
