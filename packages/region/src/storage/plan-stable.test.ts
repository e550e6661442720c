import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import type { Database } from './database.js';
import { openDatabase } from './open-database.js';
import { planStable } from './plan-stable.js';
import { device, registeredAccount } from './storage.fixtures.js';

const dialects = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('planStable, on %s', (dialect) => {
  let db: Kysely<Database>;
  let pg: TestPostgresDatabase | undefined;
  const account = registeredAccount();
  const devices = [device({ account_id: account.id }), device({ account_id: account.id })];

  beforeAll(async () => {
    if (dialect === 'postgres') pg = await createTestPostgresDatabase('domicile_plan_stable');
    db = await openDatabase(pg?.connectionString ?? 'sqlite::memory:');
    await db.insertInto('accounts').values(account).execute();
    await db.insertInto('devices').values(devices).execute();
  });
  afterAll(async () => {
    await db.destroy();
    await pg?.drop();
  });

  const joined = (jkt: string) =>
    db
      .selectFrom('devices')
      .innerJoin('accounts', 'accounts.id', 'devices.account_id')
      .select(['devices.id', 'accounts.kind'])
      .where('devices.jkt', '=', planStable(jkt));

  it('matches the text it is given, and nothing else', async () => {
    for (const d of devices)
      expect(await joined(d.jkt).execute()).toEqual([{ id: d.id, kind: account.kind }]);
    expect(await joined(`${devices[0]?.jkt ?? ''} `).execute()).toEqual([]);
  });

  it.skipIf(dialect !== 'sqlite')('leaves the column’s index in use', async () => {
    const { sql: text } = joined('k').compile();
    const plan = await sql
      .raw<{ detail: string }>(`explain query plan ${text.replace('?', "'k'")}`)
      .execute(db);
    expect(plan.rows.map((r) => r.detail)).toContainEqual(
      expect.stringMatching(/^SEARCH devices USING INDEX sqlite_autoindex_devices_\d \(jkt=\?\)$/),
    );
  });
});
