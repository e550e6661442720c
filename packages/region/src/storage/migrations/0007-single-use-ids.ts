import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/** The five tables of single-use ids before this migration, and what each becomes. */
const FORMER_TABLES = [
  { table: 'dpop_jtis', kind: 'dpop', scope: 'jkt' },
  { table: 'network_jtis', kind: 'network', scope: 'network' },
  { table: 'issuer_api_jtis', kind: 'issuer', scope: 'issuer_id' },
  { table: 'region_request_jtis', kind: 'region', scope: 'issuer' },
  { table: 'assertion_jtis', kind: 'assertion', scope: 'issuer' },
] as const;

/**
 * One ledger of single-use ids (`request-auth/single-use-ids.ts`) instead of a table per kind of
 * signed request, each written and purged its own way. The ids already recorded move over, so a
 * request accepted before the upgrade is still refused as a replay after it. The old tables are
 * dropped rather than left behind: a node of the previous version still running fails its
 * requests instead of accepting one the upgraded nodes have already seen.
 */
export const singleUseIdsMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createTable('single_use_ids')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('single_use_ids_pk', ['kind', 'scope', 'jti'])
        .execute();
      // `purgeExpiredBatch` walks the table by `expires_at`.
      await trx.schema
        .createIndex('single_use_ids_expires_at_idx')
        .on('single_use_ids')
        .column('expires_at')
        .execute();
      for (const { table, kind, scope } of FORMER_TABLES) {
        await sql`insert into single_use_ids (kind, scope, jti, expires_at)
          select ${sql.lit(kind)}, ${sql.ref(scope)}, jti, expires_at from ${sql.table(table)}`.execute(
          trx,
        );
        await trx.schema.dropTable(table).execute();
      }
    }),
};
