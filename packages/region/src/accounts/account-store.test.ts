import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type CredentialRow, type Database } from '../storage/index.js';
import * as f from '../storage/storage.fixtures.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/test-database.js';
import {
  ensureDevice,
  ensureGuestAccount,
  findDevice,
  findDeviceWithLiveCredentials,
} from './account-store.js';

const engines = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(engines)('a device with its live credentials, on %s', (engine) => {
  let pg: TestPostgresDatabase | undefined;
  let db: Kysely<Database>;

  beforeAll(async () => {
    pg = engine === 'postgres' ? await createTestPostgresDatabase('account_store') : undefined;
    db = await openDatabase(pg?.connectionString ?? 'sqlite::memory:');
  });
  afterAll(async () => {
    await db.destroy();
    await pg?.drop();
  });

  async function accountWith(states: readonly CredentialRow['state'][]): Promise<string> {
    const account = f.registeredAccount();
    const device = f.device({ account_id: account.id });
    await db.insertInto('accounts').values(account).execute();
    await db.insertInto('devices').values(device).execute();
    for (const state of states)
      await db
        .insertInto('credentials')
        .values(f.credential({ account_id: account.id, device_id: device.id, state }))
        .execute();
    return device.jkt;
  }

  it('counts the active and pending credentials of the account, as findDevice finds it', async () => {
    const jkt = await accountWith(['active', 'pending_activation', 'suspended', 'deleted']);
    const found = await findDeviceWithLiveCredentials(db, jkt);
    expect(found?.liveCredentials).toBe(2);
    expect(found).toEqual({ ...(await findDevice(db, jkt)), liveCredentials: 2 });
  });

  it('counts credentials of the account made on its other devices, and none of another account', async () => {
    const jkt = await accountWith([]);
    const mine = await findDevice(db, jkt);
    const other = f.device({ account_id: mine?.account.id ?? '' });
    await db.insertInto('devices').values(other).execute();
    await db
      .insertInto('credentials')
      .values(f.credential({ account_id: mine?.account.id ?? '', device_id: other.id }))
      .execute();
    await accountWith(['active', 'active']);
    expect((await findDeviceWithLiveCredentials(db, jkt))?.liveCredentials).toBe(1);
  });

  it('says 0 for an account without credentials, and finds no unknown key', async () => {
    expect((await findDeviceWithLiveCredentials(db, await accountWith([])))?.liveCredentials).toBe(
      0,
    );
    expect(await findDeviceWithLiveCredentials(db, 'no-such-key')).toBeUndefined();
  });
});

describe.each(engines)("a redirect's guest account and device, on %s", (engine) => {
  let pg: TestPostgresDatabase | undefined;
  let db: Kysely<Database>;

  beforeAll(async () => {
    pg =
      engine === 'postgres' ? await createTestPostgresDatabase('account_store_guest') : undefined;
    db = await openDatabase(pg?.connectionString ?? 'sqlite::memory:');
  });
  afterAll(async () => {
    await db.destroy();
    await pg?.drop();
  });

  const guest = () => ({ ...f.guestAccount(), kind: 'guest' as const, pseudonym: randomUUID() });

  it('writes a new guest as given, and gives a known one back as first written', async () => {
    const first = guest();
    expect(await ensureGuestAccount(db, first)).toEqual(first);
    const again = { ...first, id: 'another-id', created_at: '2030-01-01T00:00:00.000Z' };
    expect(await ensureGuestAccount(db, again)).toEqual(first);
    const elsewhere = { ...first, id: 'third-id', home_region: 'eu' };
    expect(await ensureGuestAccount(db, elsewhere)).toEqual(elsewhere);
    expect(await db.selectFrom('accounts').select('id').execute()).toHaveLength(2);
  });

  it("writes a new device as given, every column, and gives a known key's device back", async () => {
    const account = guest();
    await ensureGuestAccount(db, account);
    const phone = f.device({ account_id: account.id, model: 'Pixel', lost_at: null });
    expect(await ensureDevice(db, phone)).toEqual(phone);
    const sameKey = f.device({ account_id: 'someone-else', jkt: phone.jkt, model: null });
    expect(await ensureDevice(db, sameKey)).toEqual(phone);
    const ended = f.device({ account_id: account.id, lost_at: f.NOW, removed_at: f.NOW });
    expect(await ensureDevice(db, ended)).toEqual(ended);
  });
});
