import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import type { Database } from './database.js';
import { openDatabase } from './open-database.js';
import { planStable, planStableInteger } from './plan-stable.js';
import { device, notification, registeredAccount } from './storage.fixtures.js';

/** A notification id no 32-bit integer holds. */
const BIG_ID = 2 ** 31 + 5;

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
    // Ids past 2³¹: a 32-bit cast would refuse them on PostgreSQL.
    await db
      .insertInto('notifications')
      .values(
        [BIG_ID, BIG_ID + 1, BIG_ID + 2].map((id) => ({
          ...notification(),
          id,
          device_id: devices[0]?.id ?? '',
        })),
      )
      .execute();
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

  // A device's notification stream read (`notifications/notification-store.ts`): a range bound and a LIMIT.
  const after = (deviceId: string, afterId: number, limit: number) =>
    db
      .selectFrom('notifications')
      .select('id')
      .where('device_id', '=', planStable(deviceId))
      .where('id', '>', planStableInteger(afterId))
      .orderBy('id')
      .limit(planStableInteger(limit));

  it('planStableInteger compares and limits as the number it is given, past 2³¹ too', async () => {
    const ids = async (afterId: number, limit: number) =>
      (await after(devices[0]?.id ?? '', afterId, limit).execute()).map((r) => r.id);
    expect(await ids(0, 10)).toEqual([BIG_ID, BIG_ID + 1, BIG_ID + 2]);
    expect(await ids(BIG_ID, 10)).toEqual([BIG_ID + 1, BIG_ID + 2]);
    expect(await ids(BIG_ID, 1)).toEqual([BIG_ID + 1]);
    expect(await ids(BIG_ID + 2, 10)).toEqual([]);
    expect(await after(devices[1]?.id ?? '', 0, 10).execute()).toEqual([]);
  });

  it.skipIf(dialect !== 'sqlite')('planStableInteger leaves the range on the index', async () => {
    const { sql: text } = after('d', 1, 2).compile();
    const literal = text.replace('?', "'d'").replace('?', '1').replace('?', '2');
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${literal}`).execute(db);
    expect(plan.rows.map((r) => r.detail)).toContainEqual(
      expect.stringMatching(
        /^SEARCH notifications USING (COVERING )?INDEX notifications_device_id_id_idx \(device_id=\? AND id>\?\)$/,
      ),
    );
  });
});
