import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Several devices per account: join requests (a new device asking to join an account of this home
 * region, completed by a device's signed approval or a one-time code), the time a device was
 * removed from its account, and whether a lost-device report suspends (lost) or deletes (removed)
 * the device's tokens.
 */
export const devicesJoinMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createTable('join_requests')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('jkt', 'text', (c) => c.notNull())
        .addColumn('signing_jwk', 'text', (c) => c.notNull())
        .addColumn('encryption_jwk', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text')
        .addColumn('tries_left', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('device_id', 'text')
        .execute();
      await trx.schema
        .createIndex('join_requests_account_id_idx')
        .ifNotExists()
        .on('join_requests')
        .columns(['account_id', 'state'])
        .execute();
      // Re-runnable: a column already there (the migration ran before its row was lost) is kept.
      const columns = new Map(
        (await trx.introspection.getTables()).map((t) => [t.name, t.columns.map((c) => c.name)]),
      );
      if (!columns.get('devices')?.includes('removed_at'))
        await trx.schema.alterTable('devices').addColumn('removed_at', 'text').execute();
      if (!columns.get('lost_reports')?.includes('action'))
        await trx.schema
          .alterTable('lost_reports')
          .addColumn('action', 'text', (c) => c.notNull().defaultTo('suspend'))
          .execute();
    }),
};
