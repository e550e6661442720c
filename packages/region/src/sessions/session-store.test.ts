import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PRODUCTS, toCardProduct } from '../issuer/index.js';
import { insertCredentials } from '../credentials/index.js';
import { openDatabase, type Database } from '../storage/index.js';
import { credential, session, vaultRecord } from '../storage/storage.fixtures.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import {
  insertSessions,
  loadSessionWithLiveCredentials,
  loadSessionWithPanHash,
  productFromSession,
} from './session-store.js';

const [first, second] = [...SANDBOX_PRODUCTS.values()].map(toCardProduct);

describe('productFromSession', () => {
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  it("reads each session's product, one decoded product shared by the sessions that stored the same one", async () => {
    if (first === undefined || second === undefined) throw new Error('two sandbox products needed');
    const rows = [first, first, second].map((p) => session({ product: JSON.stringify(p) }));
    await insertSessions(db, rows);
    const productOf = productFromSession(db);
    const [a, b, c] = await Promise.all(rows.map((r) => productOf({ session_id: r.id })));
    expect(a).toEqual(first);
    expect(c).toEqual(second);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    // Known by session id from then on: no read, even once the row is gone.
    await db.deleteFrom('provisioning_sessions').execute();
    expect(await productOf({ session_id: rows[1]?.id ?? '' })).toBe(a);
    await expect(productOf({ session_id: 'no-such-session' })).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });
});

const dialects = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('a session read with what its step needs besides, on %s', (dialect) => {
  let db: Kysely<Database>;
  let postgres: TestPostgresDatabase | undefined;
  const now = new Date('2025-01-02T03:00:00.000Z');
  const open = { expires_at: '2025-01-02T04:00:00.000Z' };
  beforeAll(async () => {
    if (dialect === 'postgres')
      postgres = await createTestPostgresDatabase('domicile_session_reads');
    db = await openDatabase(postgres?.connectionString ?? 'sqlite::memory:');
  });
  afterAll(async () => {
    await db.destroy();
    await postgres?.drop();
  });

  it("counts the account's live credentials only, in the session's statement", async () => {
    const row = session({ ...open, state: 'created' });
    const of = { account_id: row.account_id, device_id: row.device_id };
    await insertSessions(db, [row]);
    await insertCredentials(db, [
      credential({ ...of, state: 'active' }),
      credential({ ...of, state: 'pending_activation' }),
      credential({ ...of, state: 'suspended' }),
      credential({ ...of, state: 'deleted' }),
      credential({ state: 'active' }),
    ]);
    const who = { deviceId: row.device_id, accountId: row.account_id };
    const read = await loadSessionWithLiveCredentials(db, row.id, who, now);
    expect(read).toEqual({ session: row, liveCredentials: 2 });
    const stranger = { ...who, deviceId: 'another-device' };
    await expect(loadSessionWithLiveCredentials(db, row.id, stranger, now)).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });

  it("reads its vault record's card hash with it, null when there is no record", async () => {
    const record = vaultRecord();
    await db.insertInto('vault_records').values(record).execute();
    const sealed = session({ ...open, state: 'ready', vault_record_id: record.id });
    const lost = session({ ...open, state: 'ready' });
    await insertSessions(db, [sealed, lost]);
    expect(await loadSessionWithPanHash(db, sealed.id, sealed.device_id, now)).toEqual({
      session: sealed,
      panHash: record.pan_hash,
    });
    expect(await loadSessionWithPanHash(db, lost.id, lost.device_id, now)).toEqual({
      session: lost,
      panHash: null,
    });
    await expect(
      loadSessionWithPanHash(db, sealed.id, sealed.device_id, new Date(open.expires_at)),
    ).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  });
});
