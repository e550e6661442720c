import { sql, type Kysely, type Migration } from 'kysely';
import { addAutoIncrementId, inTransaction, sqlDialectOf } from './portable-ddl.js';

/** Every table of `database.ts`, with its keys, unique constraints and indexes. */
export const initialMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      const dialect = sqlDialectOf(trx);
      const schema = trx.schema;

      await schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('email', 'text')
        .addColumn('home_region', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text')
        .addColumn('can_transact', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('accounts_home_region_pseudonym_unique', ['home_region', 'pseudonym'])
        .execute();

      await schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('jkt', 'text', (c) => c.notNull())
        .addColumn('signing_jwk', 'text', (c) => c.notNull())
        .addColumn('encryption_jwk', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('devices_jkt_unique', ['jkt'])
        .execute();
      await schema
        .createIndex('devices_account_id_idx')
        .on('devices')
        .column('account_id')
        .execute();

      await schema
        .createTable('dpop_jtis')
        .addColumn('jkt', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dpop_jtis_pk', ['jkt', 'jti'])
        .execute();
      await schema
        .createIndex('dpop_jtis_expires_at_idx')
        .on('dpop_jtis')
        .column('expires_at')
        .execute();

      await schema
        .createTable('assertion_jtis')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();

      await schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute();

      await schema
        .createTable('provisioning_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('routing_prefix', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('decision', 'text')
        .addColumn('reason', 'text')
        .addColumn('product', 'text')
        .addColumn('terms_id', 'text')
        .addColumn('terms_hash', 'text')
        .addColumn('terms_accepted_at', 'text')
        .addColumn('vault_record_id', 'text')
        .addColumn('idv_methods', 'text')
        .addColumn('idv_method', 'text')
        .addColumn('idv_code_hash', 'text')
        .addColumn('idv_expires_at', 'text')
        .addColumn('idv_tries_left', 'integer', (c) => c.notNull())
        .addColumn('credential_id', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await schema
        .createIndex('provisioning_sessions_device_id_idx')
        .on('provisioning_sessions')
        .column('device_id')
        .execute();

      await schema
        .createTable('vault_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pan_hash', 'text', (c) => c.notNull())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text')
        .addColumn('iv', 'text', (c) => c.notNull())
        .addColumn('ciphertext', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('erased_at', 'text')
        .execute();
      await schema
        .createIndex('vault_records_pan_hash_idx')
        .on('vault_records')
        .column('pan_hash')
        .execute();

      await schema
        .createTable('credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_ref', 'text', (c) => c.notNull())
        .addColumn('token_number', 'text', (c) => c.notNull())
        .addColumn('token_expiry', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('vault_record_id', 'text', (c) => c.notNull())
        .addColumn('pan_hash', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('psn', 'text', (c) => c.notNull())
        .addColumn('atc_last', 'integer', (c) => c.notNull())
        .addColumn('art_asset_id', 'text', (c) => c.notNull())
        .addColumn('script_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('credentials_token_ref_unique', ['token_ref'])
        .addUniqueConstraint('credentials_token_number_unique', ['token_number'])
        .execute();
      await schema
        .createIndex('credentials_device_id_idx')
        .on('credentials')
        .column('device_id')
        .execute();
      // One live token per card per device (DESIGN: the same card on the same device is refused):
      // the database holds the rule, so two racing sessions cannot both tokenize.
      await schema
        .createIndex('credentials_live_card_unique')
        .unique()
        .on('credentials')
        .columns(['device_id', 'pan_hash'])
        .where(sql.ref('state'), '<>', 'deleted')
        .execute();

      await schema
        .createTable('notifications')
        .$call((t) => addAutoIncrementId(t, dialect))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await schema
        .createIndex('notifications_device_id_id_idx')
        .on('notifications')
        .columns(['device_id', 'id'])
        .execute();

      await schema
        .createTable('assets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('assets_sha256_unique', ['sha256'])
        .execute();

      await schema
        .createTable('tsm_scripts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('token_ref', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('script', 'text')
        .addColumn('script_hash', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ready_at', 'text')
        .addUniqueConstraint('tsm_scripts_credential_id_unique', ['credential_id'])
        .execute();
      await schema.createIndex('tsm_scripts_state_idx').on('tsm_scripts').column('state').execute();

      await schema
        .createTable('issuer_outbox')
        .$call((t) => addAutoIncrementId(t, dialect))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await schema
        .createTable('audit_log')
        .$call((t) => addAutoIncrementId(t, dialect))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
    }),
};
