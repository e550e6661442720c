import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { DomicileError, definedProps } from '@domicile/protocol';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';
import { createPostgresDatabase, postgresConnectionError } from './postgres/index.js';
import { createSqliteDatabase } from './sqlite/index.js';

const URL_FORMS =
  'sqlite:<path>, sqlite::memory:, a path ending in .db or .sqlite, postgres:// or postgresql://';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /**
   * Create a SQLite database's folder when it does not exist. Off by default: a typo in the path
   * must not start an empty region in a new folder.
   */
  readonly createFolder?: boolean;
  /**
   * Called for every statement the database is sent, failed ones and `begin`/`commit` included:
   * on PostgreSQL each is a round trip. The region counts them per request (`http/region-metrics`).
   */
  readonly onStatement?: () => void;
}

const isPostgres = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

function connect(url: string, options: OpenDatabaseOptions): Kysely<Database> {
  if (isPostgres(url))
    return createPostgresDatabase({
      connectionString: url,
      ...definedProps({ onStatement: options.onStatement }),
    });
  if (url.startsWith('sqlite:')) {
    // `sqlite:///abs.db` and `sqlite://rel.db` are common spellings of `sqlite:/abs.db`, `sqlite:rel.db`.
    const rest = url.slice('sqlite:'.length);
    const filename = rest.startsWith('//') ? rest.slice(2) : rest;
    if (filename !== '') return openSqlite(filename, options);
  } else if (/\.(db|sqlite)$/i.test(url)) {
    return openSqlite(url, options);
  }
  // The URL itself stays out of the error: it may carry a password.
  throw new DomicileError('CONFIG_INVALID', {
    details: { reason: `database URL must be one of: ${URL_FORMS}` },
  });
}

function openSqlite(filename: string, options: OpenDatabaseOptions): Kysely<Database> {
  const folder = dirname(filename);
  if (filename !== ':memory:' && options.createFolder !== true && !existsSync(folder))
    throw new DomicileError('DATABASE_FOLDER_MISSING', { details: { folder } });
  return createSqliteDatabase({
    filename,
    ...definedProps({ onStatement: options.onStatement }),
  });
}

/**
 * Opens the region database named by `url` and migrates it to the latest schema.
 * Accepts `sqlite:/path/file.db`, `sqlite::memory:`, a bare path ending in `.db`/`.sqlite`,
 * and `postgres://…` / `postgresql://…`. A PostgreSQL server is asked once before migrating,
 * so that a wrong host, role or database is named as such.
 *
 * @throws DomicileError `CONFIG_INVALID` for an unrecognised URL or a failed migration,
 *   `DATABASE_FOLDER_MISSING` for a SQLite file in a folder that does not exist (unless
 *   `createFolder`), `DATABASE_UNREACHABLE` or `DATABASE_REJECTED` for a PostgreSQL server that
 *   does not answer or refuses the role, password or database.
 */
export async function openDatabase(
  url: string,
  options: OpenDatabaseOptions = {},
): Promise<Kysely<Database>> {
  const db = connect(url, options);
  try {
    if (isPostgres(url)) {
      await sql`select 1`.execute(db).catch((error: unknown) => {
        throw postgresConnectionError(error, url);
      });
    }
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/**
 * Applies every pending migration. Safe to run again, and from several nodes at once (Kysely
 * takes a lock: an advisory lock on PostgreSQL, the single connection on SQLite).
 *
 * @throws DomicileError `CONFIG_INVALID`, with the failing migration in `details.migration` and
 *   the driver's error as `cause`.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider,
  }).migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error');
  throw new DomicileError('CONFIG_INVALID', {
    details: {
      reason: 'database migration failed',
      migration: failed?.migrationName ?? 'none (before the first migration)',
    },
    cause: error,
  });
}

const UNIQUE_VIOLATION_CODES: ReadonlySet<unknown> = new Set([
  'SQLITE_CONSTRAINT_UNIQUE', // better-sqlite3: a unique constraint or index
  'SQLITE_CONSTRAINT_PRIMARYKEY', // better-sqlite3: a primary key
  '23505', // PostgreSQL unique_violation, primary keys included
]);

/**
 * Whether `error` is a driver error for a duplicate key (unique constraint or primary key), from
 * either adapter: how a store turns a lost insert race into a domain answer.
 */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    UNIQUE_VIOLATION_CODES.has(error.code)
  );
}
