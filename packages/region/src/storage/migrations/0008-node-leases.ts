import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Process incarnations and their leases (`nodes/node-lease.ts`), so that an Idempotency-Key
 * reserved by a request a crash cut short is free as soon as its node is known dead, not after a
 * fixed age. Each start of a region process writes one `node_leases` row, renews its `expires_at`
 * while it lives and records its listen address once it listens; a reservation records the
 * incarnation that made it. Reservations made before this migration have no incarnation and keep
 * the age rule.
 */
export const nodeLeasesMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema
        .createTable('node_leases')
        .ifNotExists()
        .addColumn('incarnation', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .execute();
      await trx.schema.alterTable('idempotency_keys').addColumn('incarnation', 'text').execute();
    }),
};
