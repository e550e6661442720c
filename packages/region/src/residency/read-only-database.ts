import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { DomicileError } from '@domicile/protocol';
import { createPostgresDatabase, type Database } from '../storage/index.js';
import { postgresConnectionError } from '../storage/postgres/index.js';

/** A region database opened only to be read: by a report on a running or a stopped region. */
export interface ReadOnlyDatabase {
  readonly db: Kysely<Database>;
  readonly kind: 'sqlite' | 'postgres';
  /** The SQLite file (its WAL and journal sit beside it), or the PostgreSQL database's name. */
  readonly name: string;
}

const isPostgres = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** `sqlite:/abs.db`, `sqlite:///abs.db`, `sqlite:rel.db`, or a bare path ending in .db or .sqlite. */
function sqliteFileOf(url: string): string | undefined {
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    const file = rest.startsWith('//') ? rest.slice(2) : rest;
    return file === '' || file === ':memory:' ? undefined : file;
  }
  return /\.(db|sqlite)$/i.test(url) ? url : undefined;
}

/**
 * Opens a region database without the right to change it, and without migrating it: SQLite
 * read-only (the file must exist; nothing is created, no pragma is written), PostgreSQL with
 * every transaction read-only (`default_transaction_read_only`), so not even a bug here can
 * write to a region under audit.
 *
 * @throws DomicileError `CONFIG_INVALID` for a URL of neither kind or a SQLite file that is not
 *   there; `DATABASE_UNREACHABLE` or `DATABASE_REJECTED` when PostgreSQL does not let us in.
 */
export async function openReadOnlyDatabase(url: string): Promise<ReadOnlyDatabase> {
  if (isPostgres(url)) {
    const readOnly = new URL(url);
    const options = readOnly.searchParams.get('options');
    readOnly.searchParams.set(
      'options',
      `${options === null ? '' : `${options} `}-c default_transaction_read_only=on`,
    );
    const db = createPostgresDatabase({ connectionString: readOnly.href, max: 2 });
    try {
      await sql`select 1`.execute(db);
    } catch (error) {
      await db.destroy();
      throw postgresConnectionError(error, url);
    }
    return { db, kind: 'postgres', name: decodeURIComponent(readOnly.pathname.slice(1)) };
  }
  const file = sqliteFileOf(url);
  // The URL stays out of the error: a PostgreSQL one may carry a password.
  if (file === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'database URL must be sqlite:<file>, a .db file, or postgres://' },
    });
  if (!existsSync(file))
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'the SQLite database file does not exist', file },
    });
  const sqlite = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
    kind: 'sqlite',
    name: file,
  };
}
