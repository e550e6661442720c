import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * The vault's records by KEK (`vault-rewrap/`): after a KEK rotation the re-wrap worker finds
 * the KEKs still in use and walks each one's records in id order, and `keys retire` counts a
 * KEK's records, each by a seek in this index rather than a read of the whole vault on the
 * thread that serves requests. Only live records: an erased one has no key left to re-wrap.
 */
export const vaultKekIndexMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createIndex('vault_records_live_kek_idx')
        .ifNotExists()
        .on('vault_records')
        .columns(['kek_id', 'id'])
        .where(sql<boolean>`wrapped_key is not null`)
        .execute();
    }),
};
