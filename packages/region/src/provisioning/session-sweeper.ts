import { sql, type Kysely } from 'kysely';
import type { Database, PurgedBatch } from '../storage/index.js';

/** Sessions looked at per {@link sweepExpiredSessions} batch. */
const SWEEP_BATCH = 500;

/**
 * Abandoned sessions: a session that expired before tokenization must not keep the card it was
 * given. Its sealed vault record is deleted (nothing refers to it), and the session forgets it.
 * One batch; says how many records were removed and whether more sessions may be waiting.
 */
export async function sweepExpiredSessions(db: Kysely<Database>, now: Date): Promise<PurgedBatch> {
  const stale = await abandonedSessions(db, now).execute();
  let removed = 0;
  for (const session of stale) {
    await db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('provisioning_sessions')
        .set({ vault_record_id: null, updated_at: now.toISOString() })
        .where('id', '=', session.id)
        .where('state', '!=', 'tokenized')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1 && session.vault_record_id !== null) {
        await trx.deleteFrom('vault_records').where('id', '=', session.vault_record_id).execute();
        removed++;
      }
    });
  }
  return { deleted: removed, more: stale.length === SWEEP_BATCH };
}

/**
 * Up to a batch of sessions to sweep, by the same literal condition as the partial index of migration
 * 0006 (housekeeping indexes), so that the planner uses it.
 */
export function abandonedSessions(db: Kysely<Database>, now: Date) {
  return db
    .selectFrom('provisioning_sessions')
    .select(['id', 'vault_record_id'])
    .where(sql<boolean>`vault_record_id is not null and state <> 'tokenized'`)
    .where('expires_at', '<', now.toISOString())
    .limit(SWEEP_BATCH);
}
