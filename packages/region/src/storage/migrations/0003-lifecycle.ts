import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './portable-ddl.js';

/**
 * Token lifecycle: the issuer webhook outbox, the replay table of the issuer API, and the
 * lifecycle facts of each credential (its card product, who suspended it). Credentials made
 * before this migration get their product from their provisioning session.
 */
export const lifecycleMigration: Migration = {
  up: (db: Kysely<unknown>) =>
    inTransaction(db, async (trx) => {
      const schema = trx.schema;

      await schema
        .createTable('webhook_deliveries')
        .addColumn('event_id', 'text', (c) => c.primaryKey())
        .addColumn('issuer_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await schema
        .createIndex('webhook_deliveries_due_idx')
        .on('webhook_deliveries')
        .columns(['delivered_at', 'next_attempt_at'])
        .execute();

      await schema
        .createTable('issuer_api_jtis')
        .addColumn('issuer_id', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('issuer_api_jtis_pk', ['issuer_id', 'jti'])
        .execute();
      await schema
        .createIndex('issuer_api_jtis_expires_at_idx')
        .on('issuer_api_jtis')
        .column('expires_at')
        .execute();

      await schema
        .createTable('credential_lifecycle')
        .addColumn('credential_id', 'text', (c) => c.primaryKey())
        .addColumn('token_ref', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('suspended_by', 'text')
        .addColumn('resume_state', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('credential_lifecycle_token_ref_unique', ['token_ref'])
        .execute();
      await schema
        .createIndex('credential_lifecycle_product_id_idx')
        .on('credential_lifecycle')
        .column('product_id')
        .execute();

      // The product id sits inside the session's product JSON, which has no portable SQL accessor.
      const existing = await sql<{
        id: string;
        token_ref: string;
        product: string | null;
        updated_at: string;
      }>`
      select c.id, c.token_ref, s.product, c.updated_at
      from credentials c left join provisioning_sessions s on s.id = c.session_id`.execute(trx);
      for (const row of existing.rows) {
        await sql`insert into credential_lifecycle (credential_id, token_ref, product_id, suspended_by, resume_state, updated_at)
        values (${row.id}, ${row.token_ref}, ${productIdOf(row.product)}, null, null, ${row.updated_at})`.execute(
          trx,
        );
      }
    }),
};

function productIdOf(product: string | null): string {
  try {
    const id: unknown = (JSON.parse(product ?? 'null') as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}
