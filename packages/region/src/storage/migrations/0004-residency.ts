import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Lost device across regions. In the home region: the residency index (which regions may hold
 * credentials of an account, under which pseudonym), lost-device reports and the durable outbox
 * of region-to-region requests. In a target region: the `jti`s of requests already received
 * (replays are refused) and the receipts of reports already applied (retries answer the same).
 * In both: when a device was reported lost.
 */
export const residencyMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      const schema = trx.schema;

      await schema
        .createTable('residency_index')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('residency_index_pk', ['account_id', 'region'])
        .execute();

      await schema
        .createTable('lost_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('device_jkt', 'text', (c) => c.notNull())
        .addColumn('reported_by', 'text', (c) => c.notNull())
        .addColumn('home_suspended', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await schema
        .createIndex('lost_reports_device_id_idx')
        .on('lost_reports')
        .column('device_id')
        .execute();

      await schema
        .createTable('region_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull())
        .addColumn('target_region', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('response', 'text')
        .addColumn('suspended', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('region_outbox_report_id_target_region_unique', [
          'report_id',
          'target_region',
        ])
        .execute();
      await schema
        .createIndex('region_outbox_next_attempt_at_idx')
        .on('region_outbox')
        .column('next_attempt_at')
        .execute();

      await schema
        .createTable('region_request_jtis')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await schema
        .createIndex('region_request_jtis_expires_at_idx')
        .on('region_request_jtis')
        .column('expires_at')
        .execute();

      await schema
        .createTable('lost_device_receipts')
        .addColumn('home_region', 'text', (c) => c.notNull())
        .addColumn('report_id', 'text', (c) => c.notNull())
        .addColumn('suspended', 'integer', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lost_device_receipts_pk', ['home_region', 'report_id'])
        .execute();

      // A device reported lost is refused from then on (DEVICE_LOST), but may still read its notifications.
      await schema.alterTable('devices').addColumn('lost_at', 'text').execute();
    }),
};
