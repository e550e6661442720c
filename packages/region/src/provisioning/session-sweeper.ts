import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/database.js';

/**
 * Abandoned sessions: a session that expired before tokenization must not keep the card it was
 * given. Its sealed vault record is deleted (nothing refers to it), and the session forgets it.
 * Returns how many records were removed.
 */
export async function sweepExpiredSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const stale = await abandonedSessions(db, now).execute();
  let removed = 0;
  for (const session of stale) {
    await db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('provisioning_sessions').set({ vault_record_id: null, updated_at: now.toISOString() })
        .where('id', '=', session.id).where('state', '!=', 'tokenized').executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1 && session.vault_record_id !== null) {
        await trx.deleteFrom('vault_records').where('id', '=', session.vault_record_id).execute();
        removed++;
      }
    });
  }
  return removed;
}

/**
 * Up to 500 sessions to sweep, by the same literal condition as the partial index of migration
 * 0006 (housekeeping indexes), so that the planner uses it.
 */
export function abandonedSessions(db: Kysely<Database>, now: Date) {
  return db.selectFrom('provisioning_sessions').select(['id', 'vault_record_id'])
    .where(sql<boolean>`vault_record_id is not null and state <> 'tokenized'`)
    .where('expires_at', '<', now.toISOString()).limit(500);
}
