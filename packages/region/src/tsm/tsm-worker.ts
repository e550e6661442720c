import { sql, type Kysely } from 'kysely';
import { DomicileError } from '@domicile/protocol';
import {
  findCredentialById,
  setCredentialScript,
  undeletedCredentialOf,
} from '../credentials/index.js';
import type { CardProduct } from '../issuer/index.js';
import { insertNotification } from '../notifications/index.js';
import {
  columnsOf,
  planStableInteger,
  precompiled,
  type CredentialRow,
  type Database,
  type TsmScriptRow,
} from '../storage/index.js';
import type { Tsm } from './tsm.js';
import { PolledWorker } from '../workers/index.js';

/** Options of {@link TsmWorker}. */
export interface TsmWorkerOptions {
  readonly db: Kysely<Database>;
  readonly tsm: Tsm;
  /** The card product of a credential (its terms, contact and art): the session store's `productFromSession`. */
  readonly productFor: (credential: CredentialRow) => Promise<CardProduct>;
  /** Called after a commit that wrote a notification for `deviceId`: wakes its push streams. */
  readonly onNotified?: (deviceId: string) => void;
  readonly logger?: { warn(obj: object, msg: string): void };
  /** How often to look for pending scripts when nobody kicks; default 1 s. */
  readonly pollIntervalMs?: number;
  /** Scripts per run; default 20. */
  readonly batchSize?: number;
  /** Failed builds of one script before the worker stops trying it; default 10. */
  readonly maxAttempts?: number;
}

// Its columns named, not `*`: prepared on PostgreSQL (`preparedName`), as it runs after every
// tokenization.
const TSM_SCRIPT_COLUMNS = columnsOf<TsmScriptRow>({
  id: true,
  credential_id: true,
  token_ref: true,
  device_id: true,
  state: true,
  script: true,
  script_hash: true,
  attempts: true,
  created_at: true,
  ready_at: true,
});

/**
 * The next scripts to build: pending, under `maxAttempts`, of a credential not deleted. SQLite
 * finds them by `tsm_scripts_state_idx`, looks each one's credential up by its key and sorts the
 * few it found. Only `maxAttempts` is bound as is: SQLite's planner reads a bound state (the
 * credential's partial index condition is compared with every term) and a bound LIMIT, and
 * better-sqlite3 binds again on every run, so the poll was planned again each second (about 20 µs
 * of CPU a run with nothing to do, 8 µs planned once).
 */
export function pendingScripts(db: Kysely<Database>, maxAttempts: number, batchSize: number) {
  return (
    db
      .selectFrom('tsm_scripts')
      .select(TSM_SCRIPT_COLUMNS)
      .where('state', '=', sql.lit('pending'))
      // A credential deleted before its script was built needs no script.
      .where((eb) => eb.exists(undeletedCredentialOf(db, 'tsm_scripts.credential_id')))
      .where('attempts', '<', maxAttempts)
      // Fewest failures first: one script that keeps failing does not hold the others up.
      .orderBy('attempts')
      .orderBy('created_at')
      .limit(planStableInteger(batchSize))
  );
}

/**
 * {@link pendingScripts}, built once: the worker asks after every tokenization, and building the
 * query cost about as much CPU as running it.
 */
const pendingScriptsQuery = precompiled(2, pendingScripts);

/**
 * Turns pending `tsm_scripts` rows into signed personalization scripts and announces each with a
 * `tsm.script.ready` push notification. Any number of workers, on any number of nodes, may run
 * on one region database: a row is claimed by a conditional update in the same transaction that
 * stores the script and writes the notification, so each script is announced exactly once. A
 * pending row is durable: after a crash, the next run of any worker picks it up.
 */
export class TsmWorker extends PolledWorker {
  readonly #options: TsmWorkerOptions;
  readonly #batchSize: number;
  readonly #maxAttempts: number;

  constructor(options: TsmWorkerOptions) {
    super({
      intervalMs: options.pollIntervalMs ?? 1_000,
      onError: (error) => options.logger?.warn({ err: error }, 'personalization script run failed'),
    });
    this.#options = options;
    this.#batchSize = options.batchSize ?? 20;
    this.#maxAttempts = options.maxAttempts ?? 10;
  }

  protected async runBatch(): Promise<boolean> {
    return (await this.runOnce()) >= this.#batchSize;
  }

  /** Processes one batch of pending scripts; returns how many this worker made ready. */
  async runOnce(): Promise<number> {
    const { rows } = await pendingScriptsQuery.execute(
      this.#options.db,
      this.#maxAttempts,
      this.#batchSize,
    );
    let processed = 0;
    for (const row of rows) {
      try {
        if (await this.#process(row)) processed++;
      } catch (error) {
        await this.#recordFailure(row, error);
      }
    }
    return processed;
  }

  async #process(row: TsmScriptRow): Promise<boolean> {
    const { db, tsm } = this.#options;
    // Everything is read and signed before the transaction: it stays short, and on SQLite the
    // transaction holds the only connection.
    const credential = await findCredentialById(db, row.credential_id);
    if (credential === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
    const art = await db
      .selectFrom('assets')
      .select(['id', 'sha256'])
      .where('id', '=', credential.art_asset_id)
      .executeTakeFirst();
    if (art === undefined) throw new DomicileError('ASSET_NOT_FOUND');
    const product = await this.#options.productFor(credential);
    const { jws, hash } = await tsm.buildScript({
      scriptId: row.id,
      tokenRef: row.token_ref,
      product,
      artwork: { assetId: art.id, sha256: art.sha256 },
    });
    const notified = await db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      const claim = await trx
        .updateTable('tsm_scripts')
        .set({ state: 'ready', script: jws, script_hash: hash, ready_at: now })
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      // Another worker made it ready first: it also wrote the notification.
      if (claim.numUpdatedRows === 0n) return false;
      await setCredentialScript(trx, { id: row.credential_id, scriptId: row.id, at: now });
      await insertNotification(trx, row.device_id, {
        type: 'tsm.script.ready',
        tokenRef: row.token_ref,
        scriptId: row.id,
      });
      return true;
    });
    if (notified) this.#options.onNotified?.(row.device_id);
    return notified;
  }

  async #recordFailure(row: TsmScriptRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    this.#options.logger?.warn(
      { err: error, scriptId: row.id, attempts },
      attempts >= this.#maxAttempts
        ? 'personalization script failed too often: no more attempts'
        : 'personalization script failed: will retry',
    );
    try {
      await this.#options.db
        .updateTable('tsm_scripts')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .execute();
    } catch (cause) {
      this.#options.logger?.warn(
        { err: cause, scriptId: row.id },
        'could not record a failed personalization script',
      );
    }
  }
}
