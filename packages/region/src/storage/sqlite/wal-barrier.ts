import { close, closeSync, fdatasync, fstatSync, fsync, open, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DomicileError } from '@domicile/protocol';

/** Flushes one open file to stable storage, as `fs.fdatasync` does (injected by tests and measurements). */
export type SyncFile = (fd: number, done: (error: Error | null) => void) => void;

/**
 * Group commit for the serving SQLite connection: its commits are written to the WAL without an
 * fsync (`synchronous = NORMAL`), and this barrier makes them durable with one `fdatasync` of the
 * WAL on libuv's thread pool, so the event loop keeps serving while the disk flushes.
 *
 * `noteCommit` is called once a commit's frames were written (the COMMIT statement returned);
 * `durable()` resolves once every commit noted before the call is on disk. A flush covers every
 * commit noted before it starts; callers that arrive while one is in flight share the next one:
 * under load one fsync serves as many commits as arrived during the previous fsync.
 *
 * A failed fsync poisons the barrier for good, as PostgreSQL panics on one: Linux may drop the
 * dirty pages it could not write and report success to the next fsync, so no later flush can
 * prove the failed commits durable. Every waiter and every later call gets `DATABASE_NOT_DURABLE`;
 * a restart recovers from what the WAL on disk holds.
 */
export interface WalBarrier {
  /** Records that a commit was written to the WAL and is not yet known durable. */
  noteCommit(): void;
  /** True when a noted commit is not yet known durable (or the barrier failed). */
  readonly pending: boolean;
  /** Resolves when every commit noted so far is durable; rejects with `DATABASE_NOT_DURABLE`. */
  durable(): Promise<void>;
  /** Throws `DATABASE_NOT_DURABLE` once a flush failed. */
  assertUsable(): void;
  /** Waits for the flushes under way (their failure included) and closes the WAL file. */
  close(): Promise<void>;
}

/** A barrier over `walFile`, the `-wal` file beside a SQLite database. */
export function createWalBarrier(options: { walFile: string; syncFile?: SyncFile }): WalBarrier {
  const { walFile } = options;
  const syncFile = options.syncFile ?? fdatasync;
  let noted = 0;
  let flushed = 0;
  let failure: DomicileError | undefined;
  // The open descriptor of the WAL.
  let walFd: number | undefined;
  // The flush under way and the commits it covers; the one queued behind it, if any caller waits.
  let inFlight: { covers: number; done: Promise<void> } | undefined;
  let next: { done: Promise<void>; settle: (error?: Error) => void } | undefined;

  const fail = (cause: unknown): DomicileError => {
    failure ??= new DomicileError('DATABASE_NOT_DURABLE', { cause });
    return failure;
  };

  /**
   * The WAL's descriptor, reopened if the file was replaced (SQLite deletes it when the last
   * connection closes and creates it again on the next open). Returns `undefined` when there is
   * no WAL: SQLite deletes it only after checkpointing every frame into the synced database file.
   *
   * One `fstat` of the open descriptor per flush, no lookup of the name: SQLite never renames or
   * links a WAL, so while the file we hold is linked (`nlink` > 0) the name still points to it. Once
   * deleted its `nlink` stays 0 for good, and only then is the name looked up again.
   */
  const currentWal = (): { fd: number; created: boolean } | undefined => {
    if (walFd !== undefined && fstatSync(walFd).nlink > 0) return { fd: walFd, created: false };
    if (walFd !== undefined) closeSync(walFd);
    walFd = openIfExists(walFile);
    return walFd === undefined ? undefined : { fd: walFd, created: true };
  };

  const flush = async (): Promise<void> => {
    const target = currentWal();
    if (target === undefined) return;
    await new Promise<void>((resolve, reject) =>
      syncFile(target.fd, (error) => (error === null ? resolve() : reject(error))),
    );
    // A file first seen here may be new: its name is durable only once its directory is synced
    // (SQLite does so at the first sync of a WAL it creates, a sync NORMAL leaves to us). The same
    // sync makes a new database file's name durable: it sits in the same directory.
    if (target.created) await syncDirectory(dirname(walFile));
  };

  const startFlush = (): void => {
    const waiting = next;
    next = undefined;
    const covers = noted;
    const done = flush().then(
      () => {
        flushed = Math.max(flushed, covers);
      },
      (error: unknown) => {
        throw fail(error);
      },
    );
    inFlight = { covers, done };
    void done.then(
      () => waiting?.settle(),
      (error: unknown) => waiting?.settle(error as Error),
    );
    void done
      .catch(() => undefined)
      .then(() => {
        inFlight = undefined;
        const queued = next;
        if (queued === undefined) return;
        if (failure === undefined) return startFlush();
        next = undefined;
        queued.settle(failure);
      });
  };

  const durable = (): Promise<void> => {
    if (failure !== undefined) return Promise.reject(failure);
    if (flushed >= noted) return Promise.resolve();
    if (inFlight !== undefined && inFlight.covers >= noted) return inFlight.done;
    if (next === undefined) {
      let settle: (error?: Error) => void = () => undefined;
      const done = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      next = { done, settle };
    }
    const waiting = next.done;
    if (inFlight === undefined) startFlush();
    return waiting;
  };

  return {
    noteCommit: () => {
      noted += 1;
    },
    get pending() {
      return failure !== undefined || flushed < noted;
    },
    durable,
    assertUsable: () => {
      if (failure !== undefined) throw failure;
    },
    close: async () => {
      while (inFlight !== undefined || next !== undefined)
        await (inFlight?.done ?? next?.done)?.catch(() => undefined);
      if (walFd !== undefined) closeSync(walFd);
      walFd = undefined;
    },
  };
}

function openIfExists(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function syncDirectory(directory: string): Promise<void> {
  return new Promise((resolve, reject) =>
    open(directory, 'r', (openError, fd) => {
      if (openError !== null) return reject(openError);
      fsync(fd, (syncError) =>
        close(fd, () => (syncError === null ? resolve() : reject(syncError))),
      );
    }),
  );
}
