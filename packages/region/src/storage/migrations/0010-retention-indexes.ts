import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Indexes for forgetting what a region keeps only for a while (`storage/expired-rows.ts`
 * `RETENTION`): idempotency keys by their last change, duplicate-transmission records by their
 * creation. The housekeeping worker walks each by that column, a batch at a time, and must never
 * read a whole table on the thread that serves requests.
 */
export const retentionIndexesMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createIndex('idempotency_keys_updated_at_idx')
        .ifNotExists()
        .on('idempotency_keys')
        .column('updated_at')
        .execute();
      await trx.schema
        .createIndex('authorization_requests_created_at_idx')
        .ifNotExists()
        .on('authorization_requests')
        .column('created_at')
        .execute();
    }),
};
