import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type Dialect, type SqliteDatabase } from 'kysely';
import { statementLog } from '../statement-log.js';
import type { Database } from '../database.js';
import { groupCommitDialect } from './group-commit-dialect.js';
import { withStatementCache } from './statement-cache.js';
import { createWalBarrier, type SyncFile } from './wal-barrier.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startWalCheckpointer } from './wal-checkpointer.js';
import { definedProps } from '@domicile/protocol';

/** Options of {@link createSqliteDatabase}. */
export interface SqliteDatabaseOptions {
  /** Path of the database file (its directory is created if missing), or `:memory:`. */
  filename: string;
  /** Milliseconds between the checkpointer thread's WAL checkpoints (see `wal-checkpointer.ts`). */
  checkpointIntervalMs?: number;
  /**
   * `full` (the default): every commit survives a power failure or a kernel crash. `relaxed`
   * keeps every commit through a crash of the process, but a power failure or kernel crash may
   * lose the last commits (an issued token, a claimed ATC): for scratch databases and for
   * measuring what durability costs, never for a region that serves devices.
   */
  durability?: SqliteDurability;
  /** Called for every statement sent, `begin` and `commit` included (see `OpenDatabaseOptions`). */
  onStatement?: () => void;
  /** Flushes the WAL for group commit, `fs.fdatasync` unless given: for tests and measurements. */
  syncFile?: SyncFile;
}

/** How much of its last commits a SQLite region database may lose: see {@link SqliteDatabaseOptions}. */
export type SqliteDurability = 'full' | 'relaxed';

/**
 * The checkpointer thread's `synchronous`: a checkpoint syncs by the checkpointing connection's own
 * setting (the WAL before it copies frames, the database file after). FULL for `full`, so those
 * syncs never depend on the serving connection's NORMAL.
 */
const CHECKPOINTER_SYNCHRONOUS: Record<SqliteDurability, 'FULL' | 'NORMAL'> = {
  full: 'FULL',
  relaxed: 'NORMAL',
};

/**
 * The serving connection's page cache, in KiB (`cache_size = -N`): better-sqlite3's build default,
 * set here so that another build of the driver (a system SQLite has 2 MiB) does not change it. With
 * 1,000,000 tokens an authorization reads leaves of six B-trees that no cache of a sensible size
 * holds (a random token's credential, session and vault record and their id indexes); what the
 * cache keeps is the interior pages of those trees (about 7 MiB). On that database 2 MiB read
 * about 20 pages from the OS per authorization, 16 MiB 15.5, 64 MiB 12.7: four times the memory
 * for three fewer reads of a few µs each.
 */
const CACHE_KIB = 16_000;

/** How long a writer waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the region database on an embedded SQLite file (better-sqlite3), without migrating it.
 * WAL lets readers run beside the writer; by default every commit is durable (DESIGN: Durable)
 * before its caller resumes: a commit that creates a token or claims an ATC survives a power
 * failure. The fsync that makes it so is shared by the commits that wait together (group commit).
 */
export function createSqliteDatabase(options: SqliteDatabaseOptions): Kysely<Database> {
  const { filename } = options;
  if (!inMemory(filename)) mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new BetterSqlite3(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma(`cache_size = -${CACHE_KIB}`);
  // In WAL mode FULL differs from NORMAL only by an fsync of the WAL after every commit, which
  // blocks the event loop (about 75 µs of CPU and 0.2–1 ms on this project's VM disk). For `full`,
  // group commit does that fsync on the thread pool before any caller resumes. NORMAL, unlike OFF,
  // still syncs the WAL header when the WAL is reused after a checkpoint: without that sync, a power
  // failure could replay stale frames of the previous WAL over the checkpointed database.
  sqlite.pragma('synchronous = NORMAL');
  // The schema declares no foreign keys today; enforcing them keeps SQLite in step with PostgreSQL if one is added.
  sqlite.pragma('foreign_keys = ON');
  const log = statementLog(options.onStatement);
  if (inMemory(filename))
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
      ...log,
    });
  const durability = options.durability ?? 'full';
  let checkpointerStopped: Promise<void> = Promise.resolve();
  const database = (onWrite?: () => void): SqliteDatabase =>
    checkpointed(
      sqlite,
      withStatementCache(sqlite, definedProps({ onWrite })),
      durability,
      options,
      (stopped) => {
        checkpointerStopped = stopped;
      },
    );
  const dialect =
    durability === 'full'
      ? groupCommitDialect({
          sqlite,
          database,
          barrier: createWalBarrier({
            walFile: `${filename}-wal`,
            ...definedProps({ syncFile: options.syncFile }),
          }),
        })
      : new SqliteDialect({ database: database() });
  return new Kysely<Database>({
    dialect: destroyedAfter(dialect, () => checkpointerStopped),
    ...log,
  });
}

/**
 * `dialect`, whose `destroy()` resolves only once `closed()` has: the checkpointer thread's
 * connection is the last one, and its close still writes and deletes files beside the database.
 */
function destroyedAfter(dialect: Dialect, closed: () => Promise<void>): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      const destroy = driver.destroy.bind(driver);
      driver.destroy = async () => {
        await destroy();
        await closed();
      };
      return driver;
    },
  };
}

/** `database`, whose WAL a checkpointer thread checkpoints until `close`. */
function checkpointed(
  sqlite: BetterSqlite3.Database,
  database: SqliteDatabase,
  durability: SqliteDurability,
  options: SqliteDatabaseOptions,
  onStop: (stopped: Promise<void>) => void,
): SqliteDatabase {
  sqlite.pragma('wal_autocheckpoint = 0');
  const checkpointer = startWalCheckpointer({
    filename: options.filename,
    synchronous: CHECKPOINTER_SYNCHRONOUS[durability],
    ...definedProps({ intervalMs: options.checkpointIntervalMs }),
    // At NORMAL the serving connection's own checkpoints sync the WAL before and the file after.
    onFailure: () => {
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    },
  });
  return {
    prepare: (sql) => database.prepare(sql),
    close: () => {
      onStop(checkpointer.stop());
      database.close();
    },
  };
}

function inMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '';
}
