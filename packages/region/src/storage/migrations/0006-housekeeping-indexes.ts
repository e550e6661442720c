import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Indexes for the region's housekeeping, which must never read a whole table on the thread that
 * serves requests. The abandoned-session sweeper (`provisioning/session-sweeper.ts`) looks once
 * a minute for sessions that expired before tokenization and still hold a sealed card; nearly
 * every session ends tokenized, so without its partial index that look read the whole
 * `provisioning_sessions` table (7 ms at 100,000 sessions on SQLite, 0.2 ms with it). The index
 * holds only the sessions the sweeper can want; its condition is written with literals, as the
 * sweeper's query is, so SQLite and PostgreSQL both can prove it applies.
 */
export const housekeepingIndexesMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createIndex('provisioning_sessions_abandoned_idx')
        .ifNotExists()
        .on('provisioning_sessions')
        .column('expires_at')
        .where(sql<boolean>`vault_record_id is not null and state <> 'tokenized'`)
        .execute();
      // The only single-use id table without one; `purgeExpiredBatch` walks each by `expires_at`.
      await trx.schema
        .createIndex('assertion_jtis_expires_at_idx')
        .ifNotExists()
        .on('assertion_jtis')
        .column('expires_at')
        .execute();
    }),
};
