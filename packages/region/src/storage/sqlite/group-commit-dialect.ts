import type BetterSqlite3 from 'better-sqlite3';
import {
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
} from 'kysely';
import type { WalBarrier } from './wal-barrier.js';

/**
 * Kysely's SQLite dialect with group commit: a commit is durable before its caller gets control
 * back, yet the one connection serves the next caller while the WAL is flushed.
 *
 * Why this design (write-ahead durability off the event loop) rather than batching logical
 * transactions as savepoints of one physical transaction: SQLite already writes each commit to
 * the WAL, and in WAL mode `synchronous = FULL` differs from `NORMAL` only by an fsync of the WAL
 * after each commit (sqlite.org, PRAGMA synchronous and "Write-Ahead Logging"). Doing that fsync
 * ourselves, once for all the commits written before it starts, keeps every transaction its own
 * (a failed one rolls back alone, no savepoint bookkeeping, no batch bound to tune) and moves the
 * wait to libuv's thread pool, where FULL blocked the event loop for the whole flush.
 *
 * Kysely runs every query and transaction as acquire → use → release of the connection, and its
 * caller resumes only once `releaseConnection` resolves. Release here notes a commit if a
 * statement that may write ran and no transaction is left open, hands the connection to the next
 * waiter, then waits for the barrier. Every release waits while any commit is not yet durable,
 * reads included: no answer is ever based on data that a power failure could take back.
 *
 * Not covered: `startTransaction()` (controlled transactions) resolves `commit().execute()`
 * before it releases the connection; the region does not use it.
 */
export function groupCommitDialect(options: {
  sqlite: BetterSqlite3.Database;
  /** Builds the database Kysely prepares statements on; `onWrite` must see every statement that may write. */
  database: (onWrite: () => void) => SqliteDatabase;
  barrier: WalBarrier;
}): SqliteDialect {
  let wrote = false;
  const database = options.database(() => {
    wrote = true;
  });
  const { sqlite, barrier } = options;
  const endOfUse = (): void => {
    if (wrote && !sqlite.inTransaction) {
      wrote = false;
      barrier.noteCommit();
    }
  };
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new GroupCommitDriver({ database }, barrier, endOfUse);
    }
  })({ database });
}

class GroupCommitDriver extends SqliteDriver {
  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly barrier: WalBarrier,
    private readonly endOfUse: () => void,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    this.barrier.assertUsable();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    this.endOfUse();
    await super.releaseConnection();
    if (this.barrier.pending) await this.barrier.durable();
  }

  override async destroy(): Promise<void> {
    await this.barrier.close();
    await super.destroy();
  }
}
