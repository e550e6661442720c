import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Sessions of the operator console (`console/`), kept on the server so that a sign-out or an
 * expiry ends them on every node. A row holds the SHA-256 of the session id, never the id: a copy
 * of the database signs nobody in. And the indexes of the console's (and the metrics') "today"
 * figures (`figures/`), read at every scrape: without them each read scans the whole audit log
 * and every transaction ever recorded.
 */
export const consoleSessionsMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('operator', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await trx.schema
        .createIndex('console_sessions_expires_at_idx')
        .on('console_sessions')
        .column('expires_at')
        .execute();
      await trx.schema
        .createIndex('audit_log_action_at_idx')
        .on('audit_log')
        .columns(['action', 'at'])
        .execute();
      await trx.schema
        .createIndex('transactions_created_at_idx')
        .on('transactions')
        // Covering: today's authorizations by decision and reason are counted from the index alone.
        .columns(['created_at', 'approved', 'reason'])
        .execute();
    }),
};
