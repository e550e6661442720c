import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction, sqlDialectOf } from './portable-ddl.js';

/**
 * On SQLite, `single_use_ids` stored in its primary key's B-tree (`without rowid`): a rowid table
 * kept each id twice, in the table and in the key's index, so every signed request's insert wrote
 * three pages to the WAL (table, key, `expires_at`) where two do. Its rows are a few short texts,
 * the case `without rowid` is for. PostgreSQL keeps its table and key index apart anyway: nothing
 * to do there. The ids already recorded move over, so a replay is still refused after it.
 */
export const singleUseIdsWithoutRowidMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      if (sqlDialectOf(trx) !== 'sqlite') return;
      await trx.schema
        .createTable('single_use_ids_by_key')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('single_use_ids_pk', ['kind', 'scope', 'jti'])
        .modifyEnd(sql`without rowid`)
        .execute();
      await sql`insert into single_use_ids_by_key (kind, scope, jti, expires_at)
        select kind, scope, jti, expires_at from single_use_ids`.execute(trx);
      await trx.schema.dropTable('single_use_ids').execute();
      await trx.schema.alterTable('single_use_ids_by_key').renameTo('single_use_ids').execute();
      // `purgeExpiredBatch` walks the table by `expires_at`.
      await trx.schema
        .createIndex('single_use_ids_expires_at_idx')
        .on('single_use_ids')
        .column('expires_at')
        .execute();
    }),
};
