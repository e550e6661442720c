import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Duplicate transmission (`payments/authorization-requests.ts`): the first transmission of each
 * authorization an acquirer names by its `requestId`, so that a resend after a lost answer gets
 * the recorded decision, and the ARPC and CSU each transaction answered with, so that the resend
 * gets the same ones without deriving keys again. Transactions recorded before have none.
 */
export const authorizationRequestsMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createTable('authorization_requests')
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('request_digest', 'text', (c) => c.notNull())
        .addColumn('authorization_id', 'text', (c) => c.notNull())
        .addColumn('early_decline', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('authorization_requests_pk', ['network', 'request_id'])
        .execute();
      await trx.schema.alterTable('transactions').addColumn('arpc', 'text').execute();
      await trx.schema.alterTable('transactions').addColumn('csu', 'text').execute();
    }),
};
