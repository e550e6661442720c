import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import {
  createPostgresDatabase,
  createSqliteDatabase,
  migrateToLatest,
  type Database,
  type SqlDialectName,
} from '../storage/index.js';
import { createTestPostgresDatabase } from '../testing/test-database.js';

/** One migrated region database that several nodes (or incarnations) connect to, for tests. */
export interface NodeDatabases {
  /** A new connection (pool) to the database, as one more region process would open. */
  connect(): Kysely<Database>;
  /** Closes every connection and removes the database. */
  close(): Promise<void>;
}

/** A fresh database on `dialect`: a SQLite file, or a throw-away PostgreSQL database. */
export async function openNodeDatabases(dialect: SqlDialectName): Promise<NodeDatabases> {
  const opened: Kysely<Database>[] = [];
  let connectTo: () => Kysely<Database>;
  let remove: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'domicile-nodes-'));
    connectTo = () => createSqliteDatabase({ filename: join(dir, 'region.db') });
    remove = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  } else {
    const database = await createTestPostgresDatabase('domicile_nodes');
    connectTo = () =>
      createPostgresDatabase({ connectionString: database.connectionString, max: 2 });
    remove = () => database.drop();
  }
  const connect = (): Kysely<Database> => {
    const db = connectTo();
    opened.push(db);
    return db;
  };
  await migrateToLatest(connect());
  return {
    connect,
    close: async () => {
      for (const db of opened) await db.destroy();
      await remove();
    },
  };
}
