import type BetterSqlite3 from 'better-sqlite3';
import {
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDatabase,
} from 'kysely';
import { setOutputFence } from '../output-fence.js';
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
 * waiter, then, for a commit, waits for the barrier: a write's caller goes on only once it is
 * durable. A read does not wait, though it may see other requests' commits not yet durable: a
 * flow of many reads would otherwise wait for a flush at each. What it read reaches no one before
 * they are: the region awaits the output fence (`outputFence`, registered here on the adapter)
 * before each answer and each call out, so no answer is ever based on data that a power failure
 * could take back.
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
  /** Notes a commit if this use of the connection ended one; true if it did. */
  const endOfUse = (): boolean => {
    if (!wrote || sqlite.inTransaction) return false;
    wrote = false;
    barrier.noteCommit();
    return true;
  };
  const fence = (): Promise<void> | undefined => (barrier.pending ? barrier.durable() : undefined);
  return new (class extends SqliteDialect {
    override createAdapter(): DialectAdapter {
      const adapter = super.createAdapter();
      setOutputFence(adapter, fence);
      return adapter;
    }

    override createDriver(): Driver {
      return new GroupCommitDriver({ database }, barrier, endOfUse);
    }
  })({ database });
}

class GroupCommitDriver extends SqliteDriver {
  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly barrier: WalBarrier,
    private readonly endOfUse: () => boolean,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    this.barrier.assertUsable();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    const committed = this.endOfUse();
    await super.releaseConnection();
    if (committed) await this.barrier.durable();
  }

  override async destroy(): Promise<void> {
    await this.barrier.close();
    await super.destroy();
  }
}
