import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * The abandoned-session sweeper (`provisioning/session-sweeper.ts`) looks once a minute for
 * sessions that expired before tokenization and still hold a sealed card. Nearly every session
 * ends tokenized, so without this index that look read the whole `provisioning_sessions` table
 * (41 ms at 100,000 sessions on SQLite, ten times that at a million, on the thread that serves
 * requests). The index holds only the sessions the sweeper can want; its condition is written
 * with literals, as the sweeper's query is, so SQLite and PostgreSQL both can prove it applies.
 */
export const abandonedSessionsIndexMigration: Migration = {
  up: (db: Kysely<unknown>) => inTransaction(db, async (trx) => {
    await trx.schema.createIndex('provisioning_sessions_abandoned_idx').ifNotExists()
      .on('provisioning_sessions').column('expires_at')
      .where(sql<boolean>`vault_record_id is not null and state <> 'tokenized'`)
      .execute();
  }),
};
