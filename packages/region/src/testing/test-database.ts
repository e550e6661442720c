import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

/** A throw-away PostgreSQL database for one test file. */
export interface TestPostgresDatabase {
  /** Connection string of the new database. */
  connectionString: string;
  /** Terminates every connection to the database and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULT_SERVER_URL = 'postgres://127.0.0.1:5432/postgres';

/**
 * The maintenance database URL: `DOMICILE_TEST_PG_URL`, or the local server. A URL without a
 * user gets `PGUSER` or the OS user: `pg` falls back to `$USER`, which test runners may not set.
 */
export function testPostgresServerUrl(): string {
  const url = new URL(process.env.DOMICILE_TEST_PG_URL ?? DEFAULT_SERVER_URL);
  if (url.username === '') url.username = process.env.PGUSER ?? userInfo().username;
  return url.toString();
}

async function withServer<T>(
  serverUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (cause) {
    const { hostname, port } = new URL(serverUrl);
    throw new Error(
      `Cannot connect to PostgreSQL at ${hostname}:${port || '5432'} (set DOMICILE_TEST_PG_URL, or DOMICILE_SKIP_PG=1 to skip)`,
      { cause },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh, uniquely named database on the test server. The name is the prefix (reduced
 * to `[a-z0-9_]`) and a random suffix, so parallel test files never share one.
 */
export async function createTestPostgresDatabase(prefix: string): Promise<TestPostgresDatabase> {
  const serverUrl = testPostgresServerUrl();
  const safePrefix = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  const name = `${safePrefix}_${randomBytes(6).toString('hex')}`;
  const quoted = pg.escapeIdentifier(name);
  await withServer(serverUrl, (client) => client.query(`create database ${quoted}`));

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    connectionString: url.toString(),
    drop: () =>
      withServer(serverUrl, async (client) => {
        await client.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`drop database if exists ${quoted}`);
      }),
  };
}
