import { PostgresIntrospector, SqliteIntrospector } from 'kysely';
import type { CreateTableBuilder, Kysely } from 'kysely';
import { DomicileError } from '@domicile/protocol';

/** The SQL engines the region database runs on. */
export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * Which engine a Kysely instance talks to. The introspector is the only public, per-dialect
 * object Kysely exposes, so it is what we test.
 */
export function sqlDialectOf<DB>(db: Kysely<DB>): SqlDialectName {
  const introspector = db.introspection;
  if (introspector instanceof SqliteIntrospector) return 'sqlite';
  if (introspector instanceof PostgresIntrospector) return 'postgres';
  throw new DomicileError('CONFIG_INVALID', { details: { reason: 'unsupported SQL dialect' } });
}

/**
 * Adds an auto-increment `id` primary key: the one column type that has no portable spelling.
 * SQLite needs exactly `integer primary key autoincrement` (a rowid alias that is never reused);
 * PostgreSQL gets a 64-bit identity, parsed back to a JS number by the postgres adapter.
 */
export function addAutoIncrementId<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
  dialect: SqlDialectName,
): CreateTableBuilder<TB, C | 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigint', (col) => col.primaryKey().generatedByDefaultAsIdentity());
}

/**
 * Runs a migration body in a transaction. Kysely already does so on PostgreSQL; on SQLite it
 * does not, and a half-applied migration would make every later attempt fail.
 */
export async function inTransaction(
  db: Kysely<unknown>,
  body: (trx: Kysely<unknown>) => Promise<void>,
): Promise<void> {
  if (db.isTransaction) return body(db);
  return db.transaction().execute(body);
}
