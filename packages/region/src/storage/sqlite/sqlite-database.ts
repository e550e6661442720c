import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { statementLog } from '../statement-log.js';
import type { Database } from '../database.js';
import { withStatementCache } from './statement-cache.js';
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
}

/** How much of its last commits a SQLite region database may lose: see {@link SqliteDatabaseOptions}. */
export type SqliteDurability = 'full' | 'relaxed';

/**
 * `synchronous` per durability. In WAL mode FULL fsyncs the WAL at every commit, so a commit is on
 * disk before it returns (about 75 µs of CPU and 0.2–0.5 ms on this project's VM disk, against
 * 13 µs and no wait for NORMAL); NORMAL fsyncs only at checkpoints, so a power failure loses the
 * commits since the last one. Both fsync the WAL before a checkpoint and the database after it.
 */
const SYNCHRONOUS: Record<SqliteDurability, 'FULL' | 'NORMAL'> = {
  full: 'FULL',
  relaxed: 'NORMAL',
};

/** How long a writer waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the region database on an embedded SQLite file (better-sqlite3), without migrating it.
 * WAL lets readers run beside the writer; by default every commit is durable (DESIGN: Durable),
 * `synchronous = FULL`: a commit that creates a token or claims an ATC survives a power failure.
 */
export function createSqliteDatabase(options: SqliteDatabaseOptions): Kysely<Database> {
  const { filename } = options;
  if (!inMemory(filename)) mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new BetterSqlite3(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const synchronous = SYNCHRONOUS[options.durability ?? 'full'];
  sqlite.pragma(`synchronous = ${synchronous}`);
  // The schema declares no foreign keys today; enforcing them keeps SQLite in step with PostgreSQL if one is added.
  sqlite.pragma('foreign_keys = ON');
  const database = withStatementCache(sqlite);
  if (!inMemory(filename)) {
    sqlite.pragma('wal_autocheckpoint = 0');
    const checkpointer = startWalCheckpointer({
      filename,
      synchronous,
      ...definedProps({ intervalMs: options.checkpointIntervalMs }),
      onFailure: () => {
        if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      },
    });
    const close = database.close.bind(database);
    database.close = () => {
      checkpointer.stop();
      close();
    };
  }
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database }),
    ...statementLog(options.onStatement),
  });
}

function inMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '';
}
