import { Migrator, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PRODUCTS } from '../../issuer/index.js';
import type { Database } from '../database.js';
import { migrateToLatest } from '../open-database.js';
import { createSqliteDatabase } from '../sqlite/index.js';
import * as f from '../storage.fixtures.js';
import { migrationProvider } from './migration-provider.js';

describe('migration 0003_lifecycle', () => {
  let db: Kysely<Database>;
  beforeEach(() => {
    db = createSqliteDatabase({ filename: ':memory:' });
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('gives credentials made before it their card product, from their provisioning session', async () => {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(
      '0001_initial',
    );
    expect(error).toBeUndefined();
    const session = f.session({ product: JSON.stringify(SANDBOX_PRODUCTS.get('eu-lumiere-visa')) });
    const withProduct = f.credential({ session_id: session.id });
    const orphan = f.credential({ state: 'suspended' });
    await db.insertInto('provisioning_sessions').values(session).execute();
    await db
      .insertInto('credentials')
      .values([withProduct, orphan].map(f.credentialBefore0017))
      .execute();

    await migrateToLatest(db);
    const rows = await db
      .selectFrom('credential_lifecycle')
      .selectAll()
      .orderBy('product_id')
      .execute();
    expect(rows).toEqual([
      {
        credential_id: orphan.id,
        token_ref: orphan.token_ref,
        product_id: '',
        suspended_by: null,
        resume_state: null,
        updated_at: orphan.updated_at,
      },
      {
        credential_id: withProduct.id,
        token_ref: withProduct.token_ref,
        product_id: 'eu-lumiere-visa',
        suspended_by: null,
        resume_state: null,
        updated_at: withProduct.updated_at,
      },
    ]);
  });
});
