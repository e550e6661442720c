import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { sweepExpiredSessions } from './provisioning/index.js';
import {
  DEFAULT_RETENTION,
  purgeExpiredBatch,
  type Database,
  type ExpiringTable,
  type PurgedBatch,
  type RetentionPolicy,
} from './storage/index.js';
import { PolledWorker } from './workers/index.js';

/** How often the region looks for expired rows when the last look found none left. */
const HOUSEKEEPING_INTERVAL_MS = 60_000;

/**
 * After a full batch the worker rests this many times as long as the batch took, so that a long
 * backlog (tens of thousands of network jtis a minute under load) takes at most a fifth of the
 * serving thread: a request waits for one batch at most, never queues behind the whole purge.
 */
const REST_PER_BUSY = 4;

type Task = (db: Kysely<Database>, now: Date, retention: RetentionPolicy) => Promise<PurgedBatch>;

const purge =
  (table: ExpiringTable): Task =>
  (db, now, retention) =>
    purgeExpiredBatch(db, table, now, { retention });

const TASKS: readonly (readonly [string, Task])[] = [
  ['single-use ids', purge('single_use_ids')],
  ['idempotency keys', purge('idempotency_keys')],
  ['authorization requests', purge('authorization_requests')],
  ['console sessions', purge('console_sessions')],
  ['abandoned sessions', sweepExpiredSessions],
];

/**
 * The region's periodic clean-up: single-use ids (of DPoP proofs, network, issuer and region
 * requests, redirect assertions) once their requests could no longer pass their time checks
 * anyway (`request-auth/freshness.ts`), idempotency keys, duplicate-transmission records and
 * operator console sessions once their retention has passed (`storage/expired-rows.ts`
 * `RETENTION`; how long: the `retention` policy), and the vault records of sessions abandoned
 * before tokenization. A run is one batch of each task, one task after another; a failing task
 * is logged and does not stop the rest.
 */
export class Housekeeping extends PolledWorker {
  readonly #db: Kysely<Database>;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #retention: RetentionPolicy;

  constructor(options: {
    db: Kysely<Database>;
    logger: Logger;
    now: () => Date;
    /** Checked by `retentionPolicy`; default {@link DEFAULT_RETENTION}. */
    retention?: RetentionPolicy;
    intervalMs?: number;
  }) {
    super({
      intervalMs: options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS,
      onError: (error) => options.logger.warn({ err: error }, 'housekeeping run failed'),
      restMs: (busyMs) => Math.max(1, REST_PER_BUSY * busyMs),
    });
    this.#db = options.db;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#retention = options.retention ?? DEFAULT_RETENTION;
  }

  protected async runBatch(): Promise<boolean> {
    const now = this.#now();
    let more = false;
    for (const [name, task] of TASKS) {
      try {
        more = (await task(this.#db, now, this.#retention)).more || more;
      } catch (error) {
        this.#logger.warn({ err: error, task: name }, 'housekeeping task failed');
      }
    }
    return more;
  }
}
