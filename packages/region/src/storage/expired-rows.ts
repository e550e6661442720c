import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention-policy.js';

interface Expiry {
  /** The instant the retention counts from, indexed (migrations 0006, 0007, 0010, 0014). */
  readonly column: string;
  readonly keepForMs: (policy: RetentionPolicy) => number;
  /** Rows kept past their retention while this holds at `now`. */
  readonly spare?: (now: string) => RawBuilder<unknown>;
}

/**
 * What a region keeps only for a while, and by which column it forgets it:
 * - single-use ids until their `expires_at` (`request-auth/freshness.ts`: by then no request
 *   carrying them could pass its time checks);
 * - idempotency keys for `RetentionPolicy.idempotencyKeysMs` after their last change, except a
 *   reservation still held by a live node (`nodes/node-lease.ts`): its request still runs, and
 *   forgetting the key would let a retry run it a second time beside it;
 * - duplicate-transmission records for `RetentionPolicy.authorizationRequestsMs` after they were
 *   made (`storage/retention-policy.ts` says why a week);
 * - operator console sessions at their absolute `expires_at` (an idle one is refused before).
 */
export const RETENTION = {
  single_use_ids: { column: 'expires_at', keepForMs: () => 0 },
  idempotency_keys: {
    column: 'updated_at',
    keepForMs: (p) => p.idempotencyKeysMs,
    // Only rows still in flight look for a lease: by its primary key (SQLite), or in the few
    // live leases read once (PostgreSQL).
    spare: (now) => sql`state = 'in_flight' and exists (
      select 1 from node_leases where node_leases.incarnation = idempotency_keys.incarnation
      and node_leases.expires_at > ${now})`,
  },
  authorization_requests: { column: 'created_at', keepForMs: (p) => p.authorizationRequestsMs },
  console_sessions: { column: 'expires_at', keepForMs: () => 0 },
} as const satisfies Record<string, Expiry>;

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
 * Deletes one batch of a table's rows whose retention ({@link RETENTION}) has passed; the
 * housekeeping worker runs batches until one is not full, resting between them. One statement
 * for all of them held the serving thread for the whole delete: a region taking 700
 * authorizations a second has 42,000 network jtis to forget every minute, and deleting them at
 * once stalled every request for 65–95 ms on SQLite; 200 rows take about 3 ms, the order of a
 * young-generation GC pause. The batch ends at the instant (the table's retention column) of its
 * `batchRows`-th oldest expired row, so it is found and deleted through that column's index on
 * SQLite and PostgreSQL alike; rows sharing that instant go in the same batch. Spared rows are
 * skipped by both statements, so they never count towards a batch.
 */
export async function purgeExpiredBatch(
  db: Kysely<Database>,
  table: ExpiringTable,
  now: Date,
  options: { readonly retention?: RetentionPolicy; readonly batchRows?: number } = {},
): Promise<PurgedBatch> {
  const expiry: Expiry = RETENTION[table];
  const batchRows = options.batchRows ?? PURGE_BATCH_ROWS;
  const cutoff = new Date(
    now.getTime() - expiry.keepForMs(options.retention ?? DEFAULT_RETENTION),
  ).toISOString();
  const at = sql.ref(expiry.column);
  const from = sql.table(table);
  const kept =
    expiry.spare === undefined ? sql`` : sql`and not (${expiry.spare(now.toISOString())})`;
  const { rows } = await sql<{ last: string }>`
    select ${at} as last from ${from} where ${at} < ${cutoff} ${kept}
    order by ${at} limit 1 offset ${batchRows - 1}`.execute(db);
  const last = rows[0]?.last;
  const res =
    last === undefined
      ? await sql`delete from ${from} where ${at} < ${cutoff} ${kept}`.execute(db)
      : await sql`delete from ${from} where ${at} <= ${last} ${kept}`.execute(db);
  return { deleted: Number(res.numAffectedRows ?? 0), more: last !== undefined };
}
