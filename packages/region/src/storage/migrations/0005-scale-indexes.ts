import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Indexes a region needs once it holds many tokens, found by `npm run bench` at 1,000,000: the
 * live credentials of an account are counted on every eligibility check and every redirect, and
 * without an index that count read the whole `credentials` table (190 ms a flow at 1,000,000
 * tokens on SQLite). On a large PostgreSQL region already in service, build it first with
 * `create index concurrently` under the same name: this migration then finds it and does nothing.
 */
export const scaleIndexesMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createIndex('credentials_account_id_state_idx')
        .ifNotExists()
        .on('credentials')
        .columns(['account_id', 'state'])
        .execute();
    }),
};
