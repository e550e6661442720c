import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies committed WAL frames into the database file. */
export const CHECKPOINT_INTERVAL_MS = 200;

/** The serving connection's own automatic checkpoint, used only if the checkpointer thread dies. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 1000;

// Plain CommonJS run by `eval`: a worker file in TypeScript would need the tsx loader in the thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// Stopped while the driver loaded: end here, never open the file after its owner closed it.
if (Atomics.load(workerData.stopped, 0) === 1) process.exit(0);
const db = new Database(workerData.filename);
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.postMessage('ready');
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs);
process.on('exit', () => { clearInterval(timer); db.close(); });
`;

/** A running checkpointer; `stop` ends the thread (the serving connection then checkpoints by itself). */
export interface WalCheckpointer {
  /**
   * Ends the thread; resolves once it has exited and closed its connection. Until then the thread
   * may still checkpoint, and its close (the last connection's) deletes the WAL and shared-memory
   * files: whoever removes or moves the database files must wait for it.
   */
  stop(): Promise<void>;
}

/**
 * Moves SQLite's WAL checkpoints off the thread that serves requests. With the default automatic
 * checkpoint, the commit that fills the WAL to 1,000 pages copies them into the database file and
 * fsyncs it before it returns, so one request in a few hundred waits many milliseconds (the
 * authorization p99 of `npm run bench`). Here the serving connection never checkpoints; a worker
 * thread with its own connection runs a PASSIVE checkpoint (which never blocks readers or the
 * writer) every {@link CHECKPOINT_INTERVAL_MS}. If that thread fails, `onFailure` turns the
 * serving connection's automatic checkpoint back on, so the WAL never grows without bound.
 */
export function startWalCheckpointer(options: {
  filename: string;
  /**
   * The serving connection's `synchronous`. A checkpoint at NORMAL or FULL fsyncs the WAL before
   * it copies frames and the database file before the WAL is reused; the thread sets it rather
   * than inherit the driver's default for a WAL file, which could be OFF in another build.
   */
  synchronous: 'FULL' | 'NORMAL';
  intervalMs?: number;
  onFailure: () => void;
}): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const stopped = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      stopped,
      driver,
      filename: options.filename,
      synchronous: options.synchronous,
      intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
    },
  });
  // A checkpointer alone must not keep a process (a CLI, a test) alive.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
  let ready = false;
  const failed = (): void => {
    if (!stopping) options.onFailure();
  };
  worker.on('error', failed);
  worker.on('exit', failed);
  // Terminating a thread while it loads the driver's native addon aborts the whole process
  // (Node reports FATAL ERROR in napi_register_module): a stop that comes first only raises the
  // shared flag, and the thread ends itself once the driver is loaded, without opening the file.
  worker.once('message', () => {
    ready = true;
    if (stopping) void worker.terminate();
  });
  return {
    stop: () => {
      stopping = true;
      Atomics.store(stopped, 0, 1);
      // Whoever awaits the exit keeps the process alive until it comes (an unref'd thread alone
      // would let the event loop empty first: Node ends with an unsettled top-level await).
      worker.ref();
      if (ready) void worker.terminate();
      return exited;
    },
  };
}
