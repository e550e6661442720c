import type { Kysely, Migration } from 'kysely';
import { AUDIT_GENESIS_HASH, auditRowHash } from '../audit-row-hash.js';
import type { Database } from '../database.js';
import { inTransaction, sqlDialectOf } from './portable-ddl.js';

/** Rows chained per read while the migration chains the rows written before it. */
const CHAIN_BATCH_ROWS = 1_000;

/**
 * The audit log becomes a hash chain (`audit/`): each row gets its `seq`, the previous row's hash
 * and its own; one head row serializes appends; signed checkpoints get their table. Rows written
 * before this migration are chained here, in `id` order from the genesis hash, so that the whole
 * log is covered and the first checkpoint vouches for them too.
 */
export const auditChainMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      const counter = sqlDialectOf(trx) === 'sqlite' ? 'integer' : 'bigint';
      await trx.schema.alterTable('audit_log').addColumn('seq', counter).execute();
      await trx.schema.alterTable('audit_log').addColumn('prev_hash', 'text').execute();
      await trx.schema.alterTable('audit_log').addColumn('hash', 'text').execute();
      await trx.schema
        .createIndex('audit_log_seq_idx')
        .unique()
        .on('audit_log')
        .column('seq')
        .execute();
      await trx.schema
        .createTable('audit_chain_head')
        .addColumn('chain', 'text', (c) => c.primaryKey())
        .addColumn('seq', counter, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await trx.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', counter, (c) => c.primaryKey())
        .addColumn('head_hash', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .execute();
      const head = await chainExistingRows(trx as unknown as Kysely<Database>);
      await (trx as unknown as Kysely<Database>)
        .insertInto('audit_chain_head')
        .values({ chain: 'audit', ...head })
        .execute();
    }),
};

async function chainExistingRows(trx: Kysely<Database>): Promise<{ seq: number; hash: string }> {
  let seq = 0;
  let hash = AUDIT_GENESIS_HASH;
  let afterId = 0;
  for (;;) {
    const rows = await trx
      .selectFrom('audit_log')
      .select(['id', 'at', 'actor', 'action', 'subject', 'detail'])
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(CHAIN_BATCH_ROWS)
      .execute();
    for (const row of rows) {
      seq += 1;
      const prev = hash;
      hash = auditRowHash(prev, { ...row, seq, detail: JSON.parse(row.detail) as unknown });
      await trx
        .updateTable('audit_log')
        .set({ seq, prev_hash: prev, hash })
        .where('id', '=', row.id)
        .execute();
      afterId = row.id;
    }
    if (rows.length < CHAIN_BATCH_ROWS) return { seq, hash };
  }
}
