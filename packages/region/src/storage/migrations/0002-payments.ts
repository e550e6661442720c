import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Payments: the authorizations this region decided (`transactions`), and the `jti`s of signed
 * authorization requests from network routers (`network_jtis`), so none is accepted twice.
 */
export const paymentsMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      const schema = trx.schema;

      await schema
        .createTable('transactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('token_ref', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('atc', 'integer', (c) => c.notNull())
        // n12 amounts reach 10^12 - 1: past a 32-bit integer on PostgreSQL.
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('transaction_date', 'text', (c) => c.notNull())
        .addColumn('transaction_type', 'integer', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('merchant_name', 'text', (c) => c.notNull())
        .addColumn('approved', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('response_code', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await schema
        .createIndex('transactions_device_id_created_at_idx')
        .on('transactions')
        .columns(['device_id', 'created_at'])
        .execute();
      await schema
        .createIndex('transactions_credential_id_idx')
        .on('transactions')
        .column('credential_id')
        .execute();

      await schema
        .createTable('network_jtis')
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('network_jtis_pk', ['network', 'jti'])
        .execute();
      await schema
        .createIndex('network_jtis_expires_at_idx')
        .on('network_jtis')
        .column('expires_at')
        .execute();
    }),
};
