import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../storage/index.js';
import type { Vault } from '../vault/index.js';
import { PolledWorker } from '../workers/index.js';
import { rewrapBatch, type RewrapPosition } from './rewrap-batch.js';

/** Options of {@link VaultRewrapWorker}. */
export interface VaultRewrapWorkerOptions {
  readonly db: Kysely<Database>;
  /** The region's vault: its current KEK is the one records are re-wrapped to. */
  readonly vault: Vault;
  readonly logger: Logger;
  /** Records per batch (one transaction); default 500. */
  readonly batchSize?: number;
  /** How often to look for records under an old KEK when the last look found none; default 60 s. */
  readonly intervalMs?: number;
  /** Rest after a full batch, as a multiple of the time it took; default 2. */
  readonly restPerBusy?: number;
}

const BATCH_SIZE = 500;
const INTERVAL_MS = 60_000;
/**
 * After a full batch the worker rests twice as long as the batch took: a re-wrap of a large
 * vault takes at most a third of the thread that serves requests, and a request waits for one
 * batch at most.
 */
const REST_PER_BUSY = 2;

/**
 * KEK rotation in the background (DESIGN: vault): while the region serves, re-wraps the data
 * key of every vault record still under an old KEK to the current one, a batch at a time
 * ({@link rewrapBatch}). Every node of a region runs one; the rows are the only state, so nodes
 * share the work without coordination, a killed node's batch is either all written or not at
 * all, and a restart carries on where the database says. A record that cannot be re-wrapped
 * (its KEK is not in the key file) is logged by id and tried again at the next look.
 */
export class VaultRewrapWorker extends PolledWorker {
  readonly #o: VaultRewrapWorkerOptions;
  #position: RewrapPosition | undefined;
  #passRewrapped = 0;
  #passFailed = 0;

  constructor(options: VaultRewrapWorkerOptions) {
    const restPerBusy = options.restPerBusy ?? REST_PER_BUSY;
    super({
      intervalMs: options.intervalMs ?? INTERVAL_MS,
      onError: (error) => options.logger.warn({ err: error }, 'vault re-wrap batch failed'),
      restMs: (busyMs) => Math.max(1, restPerBusy * busyMs),
    });
    this.#o = options;
  }

  protected async runBatch(): Promise<boolean> {
    const { db, vault, logger } = this.#o;
    const batch = await rewrapBatch(db, vault, {
      from: this.#position,
      limit: this.#o.batchSize ?? BATCH_SIZE,
    });
    this.#passRewrapped += batch.rewrapped;
    this.#passFailed += batch.failed.length;
    if (batch.failed.length > 0)
      logger.warn(
        { kekId: batch.kekId, records: batch.failed },
        'vault records could not be re-wrapped',
      );
    this.#position = batch.next;
    if (batch.next !== undefined) return true;
    if (this.#passRewrapped > 0 || this.#passFailed > 0)
      logger.info(
        { kekId: vault.kekId, rewrapped: this.#passRewrapped, failed: this.#passFailed },
        'vault re-wrap pass finished',
      );
    this.#passRewrapped = 0;
    this.#passFailed = 0;
    return false;
  }
}
