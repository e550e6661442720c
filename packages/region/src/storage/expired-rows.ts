import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

const HOUR_MS = 3_600_000;

/**
 * What a region keeps only for a while, and by which column it forgets it:
 * - single-use ids until their `expires_at` (`request-auth/freshness.ts`: by then no request
 *   carrying them could pass its time checks);
 * - idempotency keys a day after their last change: a device retries for a minute at most
 *   (`packages/device/src/retry-policy.ts`), and a day is what payment APIs promise;
 * - duplicate-transmission records (`payments/authorization-requests.ts`) a week after they were
 *   made: an acquirer resends within seconds or minutes; after a week a resend is answered as a
 *   new request, whose spent ATC is declined `atc_replayed` — never approved twice;
 * - operator console sessions at their absolute `expires_at` (an idle one is refused before).
 */
export const RETENTION = {
  single_use_ids: { column: 'expires_at', keepForMs: 0 },
  idempotency_keys: { column: 'updated_at', keepForMs: 24 * HOUR_MS },
  authorization_requests: { column: 'created_at', keepForMs: 7 * 24 * HOUR_MS },
  console_sessions: { column: 'expires_at', keepForMs: 0 },
} as const;

/** The tables whose rows are kept for a while (see {@link RETENTION}), then only waste space. */
export type ExpiringTable = keyof typeof RETENTION;

/** Rows deleted per statement by {@link purgeExpiredBatch}. */
export const PURGE_BATCH_ROWS = 200;

/** What one {@link purgeExpiredBatch} did. */
export interface PurgedBatch {
  readonly deleted: number;
  /** True when the batch was full: more expired rows may be left. */
  readonly more: boolean;
}

/**
 * Deletes one batch of a table's rows whose retention ({@link RETENTION}) has passed; the housekeeping worker
 * runs batches until one is not full, resting between them. One statement for all of them held
 * the serving thread for the whole delete: a region taking 700 authorizations a second has
 * 42,000 network jtis to forget every minute, and deleting them at once stalled every request for
 * 65–95 ms on SQLite; 200 rows take about 3 ms, the order of a young-generation GC pause. The
 * batch ends at the instant (`expires_at`, or the table's retention column) of its `batchRows`-th
 * oldest expired row, so it is found and deleted through that column's index on SQLite and
 * PostgreSQL alike; rows sharing that instant go in the same batch.
 */
export async function purgeExpiredBatch(
  db: Kysely<Database>,
  table: ExpiringTable,
  now: Date,
  batchRows = PURGE_BATCH_ROWS,
): Promise<PurgedBatch> {
  const { column, keepForMs } = RETENTION[table];
  const cutoff = new Date(now.getTime() - keepForMs).toISOString();
  const at = sql.ref(column);
  const from = sql.table(table);
  const { rows } = await sql<{ last: string }>`
    select ${at} as last from ${from} where ${at} < ${cutoff}
    order by ${at} limit 1 offset ${batchRows - 1}`.execute(db);
  const last = rows[0]?.last;
  const res =
    last === undefined
      ? await sql`delete from ${from} where ${at} < ${cutoff}`.execute(db)
      : await sql`delete from ${from} where ${at} <= ${last}`.execute(db);
  return { deleted: Number(res.numAffectedRows ?? 0), more: last !== undefined };
}
