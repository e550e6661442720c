import { Kysely, PostgresDialect, type Driver } from 'kysely';
import type PgModule from 'pg';
import type { Database } from '../database.js';
import { statementLog } from '../statement-log.js';
import { DeferredBeginDriver } from './deferred-begin-driver.js';
import { loadPg } from './load-pg.js';

/** Options of {@link createPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database?…`, as `pg` understands it. */
  connectionString: string;
  /** Pool size of this node (default 10). */
  max?: number;
  /** Called for every statement sent, `begin` and `commit` included (see `OpenDatabaseOptions`). */
  onStatement?: () => void;
}

/**
 * Auto-increment ids are int8, which `pg` returns as strings by default. Ids stay far below
 * 2^53, so a number is exact; throwing here would escape as an uncaught error from the socket.
 */
function parseInt8(value: string): number {
  return Number.parseInt(value, 10);
}

/**
 * Opens the region database on PostgreSQL through a `pg.Pool`, without migrating it. The int8
 * parser lives on this pool's own type table, so other `pg` users in the process are untouched.
 */
export function createPostgresDatabase(options: PostgresDatabaseOptions): Kysely<Database> {
  const pg = loadPg();
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseInt8);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    types,
  });
  // An idle client whose server went away is discarded by the pool; without a listener the
  // 'error' event would crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({
    dialect: new DeferredBeginDialect(pool),
    ...statementLog(options.onStatement),
  });
}

/** Kysely's PostgreSQL dialect with a transaction's `begin` sent with its first statement. */
class DeferredBeginDialect extends PostgresDialect {
  readonly #pool: PgModule.Pool;

  constructor(pool: PgModule.Pool) {
    super({ pool });
    this.#pool = pool;
  }

  override createDriver(): Driver {
    return new DeferredBeginDriver(this.#pool);
  }
}
