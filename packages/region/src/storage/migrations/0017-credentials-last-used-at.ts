import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * A token's last use kept on its credential (`last_used_at`, set by the ATC claim, which writes
 * that row anyway), in place of `transactions_credential_id_idx`: that index's only reader was the
 * token look-ups' `max(created_at)` per credential, and every authorization's insert paid one more
 * b-tree page for it in each commit. The times already recorded are copied over while the index
 * still serves the look-up; a credential never used keeps null.
 */
export const credentialsLastUsedAtMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema.alterTable('credentials').addColumn('last_used_at', 'text').execute();
      await sql`update credentials set last_used_at = (
          select max(t.created_at) from transactions t where t.credential_id = credentials.id
        )
        where exists (select 1 from transactions t where t.credential_id = credentials.id)`.execute(
        trx,
      );
      await trx.schema.dropIndex('transactions_credential_id_idx').execute();
    }),
};
