import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
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
}

/** How long a writer waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the region database on an embedded SQLite file (better-sqlite3), without migrating it.
 * WAL lets readers run beside the writer; `synchronous=NORMAL` is durable under WAL except for
 * the last transactions on power loss, which is the usual trade for an embedded server.
 */
export function createSqliteDatabase(options: SqliteDatabaseOptions): Kysely<Database> {
  const { filename } = options;
  if (!inMemory(filename)) mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new BetterSqlite3(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('synchronous = NORMAL');
  // The schema declares no foreign keys today; enforcing them keeps SQLite in step with PostgreSQL if one is added.
  sqlite.pragma('foreign_keys = ON');
  const database = withStatementCache(sqlite);
  if (!inMemory(filename)) {
    sqlite.pragma('wal_autocheckpoint = 0');
    const checkpointer = startWalCheckpointer({
      filename,
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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

function inMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '';
}
