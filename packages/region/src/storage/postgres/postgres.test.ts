import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../open-database.js';
import { describeStorageContract } from '../storage.contract.js';
import { createPostgresDatabase } from './postgres-database.js';
import { createTestPostgresDatabase } from '../../testing/index.js';

// Never skipped silently: without a server these tests fail, unless the skip is asked for.
const skip = process.env.DOMICILE_SKIP_PG === '1';

describe.skipIf(skip)('postgres', () => {
  describeStorageContract('postgres', async () => {
    const database = await createTestPostgresDatabase('domicile_storage');
    const db = createPostgresDatabase({ connectionString: database.connectionString, max: 5 });
    return {
      db,
      close: async () => {
        await db.destroy();
        await database.drop();
      },
    };
  });

  describe('openDatabase on a postgres:// URL', () => {
    it('opens and migrates, and drop() removes the database', async () => {
      const database = await createTestPostgresDatabase('domicile_open');
      const db = await openDatabase(database.connectionString);
      try {
        const { n } = await db
          .selectFrom('accounts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(n).toBe(0);
      } finally {
        await db.destroy();
        await database.drop();
      }
      const name = new URL(database.connectionString).pathname.slice(1);
      const server = await createTestPostgresDatabase('domicile_probe');
      const probe = createPostgresDatabase({ connectionString: server.connectionString, max: 1 });
      try {
        const rows = await sql`select 1 from pg_database where datname = ${name}`.execute(probe);
        expect(rows.rows).toEqual([]);
      } finally {
        await probe.destroy();
        await server.drop();
      }
    });
  });
});
