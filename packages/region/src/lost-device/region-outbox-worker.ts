import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { api, isDomicileError, type Directory } from '@domicile/protocol';
import type { RegionOutboxTiming, RegionTransport } from '../config/index.js';
import { appendAudit } from '../audit/index.js';
import type { JwsSigner } from '../keys/index.js';
import { jsonColumn, type Database, type RegionOutboxRow } from '../storage/index.js';
import { deliverLostDeviceRequest, fetchRegionTransport } from './region-request-client.js';
import { backoffMs, PolledWorker, type RetryDelayPolicy } from '../workers/index.js';
import { runInQueuedTrace } from '../logging/index.js';

/** What to ask the other region (the report id is the row's own): signed afresh for each attempt. */
export const outboxAskColumn = jsonColumn(
  'region_outbox.payload',
  Type.Pick(api.LostDeviceRequestClaims, ['pseudonym', 'deviceJkt', 'action']),
);

/** Options of {@link RegionOutboxWorker}. */
export interface RegionOutboxWorkerOptions extends RegionOutboxTiming {
  readonly db: Kysely<Database>;
  readonly directory: Directory;
  /** This (the home) region's id and signing key, the one the directory lists for it. */
  readonly self: string;
  readonly signer: JwsSigner;
  readonly now: () => Date;
  readonly transport?: RegionTransport;
  readonly logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Rows per run; default 20. */
  readonly batchSize?: number;
}

/**
 * Delivers the `region_outbox`: each row a lost-device request to one other region, retried
 * with capped exponential backoff until that region answers with a signed confirmation — a
 * region that is down for a day gets the request when it is back. Any number of workers, on any
 * number of nodes, may run on one region database: a row is claimed by a conditional update of
 * its `next_attempt_at` (a lease), so one attempt runs at a time; a node that dies mid-attempt
 * leaves a lease that expires.
 */
export class RegionOutboxWorker extends PolledWorker {
  readonly #o: RegionOutboxWorkerOptions;
  readonly #backoff: RetryDelayPolicy;
  readonly #timeout: number;

  constructor(options: RegionOutboxWorkerOptions) {
    super({
      intervalMs: options.pollIntervalMs ?? 5_000,
      onError: (error) => options.logger?.warn({ err: error }, 'region outbox run failed'),
    });
    this.#o = options;
    this.#backoff = { baseMs: options.backoffMs ?? 1_000, maxMs: options.maxBackoffMs ?? 300_000 };
    this.#timeout = options.timeoutMs ?? 10_000;
  }

  // Due rows are all attempted in one run; only a kick (new rows) calls for another at once.
  protected async runBatch(): Promise<boolean> {
    await this.runOnce();
    return false;
  }

  /** Attempts every due row once; returns how many regions confirmed in this run. */
  async runOnce(): Promise<number> {
    const now = this.#o.now();
    const due = await this.#o.db
      .selectFrom('region_outbox')
      .selectAll()
      .where('confirmed_at', 'is', null)
      .where('next_attempt_at', '<=', now.toISOString())
      .orderBy('next_attempt_at')
      .limit(this.#o.batchSize ?? 20)
      .execute();
    let confirmed = 0;
    for (const row of due)
      if (await runInQueuedTrace(row.traceparent, () => this.#attempt(row))) confirmed++;
    return confirmed;
  }

  /** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
  backoffAfter(attempts: number): number {
    return backoffMs(attempts, this.#backoff);
  }

  async #attempt(row: RegionOutboxRow): Promise<boolean> {
    const { db } = this.#o;
    const started = this.#o.now();
    const lease = new Date(started.getTime() + 2 * this.#timeout).toISOString();
    const claim = await db
      .updateTable('region_outbox')
      .set({ next_attempt_at: lease })
      .where('id', '=', row.id)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    // Another worker claimed it first.
    if (Number(claim.numUpdatedRows) !== 1) return false;
    const attempts = row.attempts + 1;
    try {
      const { confirmation, suspended } = await deliverLostDeviceRequest({
        home: this.#o.self,
        target: row.target_region,
        ask: {
          reportId: row.report_id,
          ...outboxAskColumn.decode(row.payload),
        },
        directory: this.#o.directory,
        signer: this.#o.signer,
        transport: this.#o.transport ?? fetchRegionTransport,
        timeoutMs: this.#timeout,
        now: started,
      });
      const confirmedAt = this.#o.now().toISOString();
      const ask = outboxAskColumn.decode(row.payload);
      await db.transaction().execute(async (trx) => {
        const { numUpdatedRows } = await trx
          .updateTable('region_outbox')
          .set({
            confirmed_at: confirmedAt,
            attempts,
            response: confirmation,
            suspended,
            last_error: null,
          })
          .where('id', '=', row.id)
          .where('confirmed_at', 'is', null)
          .executeTakeFirst();
        if (Number(numUpdatedRows) === 1)
          await appendAudit(trx, {
            at: confirmedAt,
            actor: `region:${row.target_region}`,
            action: ask.action === 'delete' ? 'device.removed.confirmed' : 'device.lost.confirmed',
            subject: row.report_id,
            detail: {
              region: row.target_region,
              [ask.action === 'delete' ? 'deleted' : 'suspended']: suspended,
              attempts,
            },
          });
      });
      this.#o.logger?.info(
        { reportId: row.report_id, region: row.target_region, attempts, suspended },
        'lost-device request confirmed',
      );
      return true;
    } catch (error) {
      const code = isDomicileError(error) ? error.code : 'INTERNAL';
      const next = new Date(this.#o.now().getTime() + this.backoffAfter(attempts)).toISOString();
      this.#o.logger?.warn(
        { err: error, code, reportId: row.report_id, region: row.target_region, attempts },
        'lost-device request not confirmed: will retry',
      );
      await db
        .updateTable('region_outbox')
        .set({ attempts, last_error: code, next_attempt_at: next })
        .where('id', '=', row.id)
        .where('confirmed_at', 'is', null)
        .execute();
      return false;
    }
  }
}
