import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * The W3C `traceparent` of the request that queued each issuer webhook and each region-to-region
 * request, so that the worker's delivery (its outbound request and its log lines) carries that
 * request's trace id. Rows queued before have none: their delivery starts a trace of its own.
 */
export const outboxTraceparentMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      await trx.schema.alterTable('webhook_deliveries').addColumn('traceparent', 'text').execute();
      await trx.schema.alterTable('region_outbox').addColumn('traceparent', 'text').execute();
    }),
};
