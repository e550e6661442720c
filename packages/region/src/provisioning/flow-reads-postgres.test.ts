import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findDevice, insertAccounts, insertDevices } from '../accounts/index.js';
import {
  findCredentialById,
  findDeviceCredential,
  insertCredentials,
} from '../credentials/index.js';
import { insertNotification, listNotifications } from '../notifications/index.js';
import {
  insertSessions,
  loadSession,
  loadSessionWithLiveCredentials,
  loadSessionWithPanHash,
} from '../sessions/index.js';
import { createPostgresDatabase, openDatabase } from '../storage/index.js';
import {
  credential,
  device,
  registeredAccount,
  session,
  tsmScript,
} from '../storage/storage.fixtures.js';
import { createTestPostgresDatabase } from '../testing/index.js';
import { pendingScripts } from '../tsm/index.js';

// Never skipped silently: without a server these tests fail, unless the skip is asked for.
const skip = process.env.DOMICILE_SKIP_PG === '1';

describe.skipIf(skip)('the reads of a home provisioning flow on PostgreSQL', () => {
  it('name their columns, so that each is prepared once per connection', async () => {
    const database = await createTestPostgresDatabase('domicile_flow_reads');
    const account = registeredAccount();
    const own = { account_id: account.id };
    const phone = device(own);
    const mine = { ...own, device_id: phone.id };
    const row = session({ ...mine, state: 'created', expires_at: '2999-01-01T00:00:00.000Z' });
    const token = credential({ ...mine, session_id: row.id, state: 'pending_activation' });
    const script = tsmScript({
      device_id: phone.id,
      credential_id: token.id,
      token_ref: token.token_ref,
      state: 'pending',
      script: null,
    });
    const setup = await openDatabase(database.connectionString);
    try {
      await insertAccounts(setup, [account]);
      await insertDevices(setup, [phone]);
      await insertSessions(setup, [row]);
      await insertCredentials(setup, [token]);
      await setup.insertInto('tsm_scripts').values(script).execute();
      await insertNotification(setup, phone.id, {
        type: 'tsm.script.ready',
        tokenRef: token.token_ref,
        scriptId: script.id,
      });
    } finally {
      await setup.destroy();
    }
    // One connection: the server's prepared statements are that session's.
    const db = createPostgresDatabase({ connectionString: database.connectionString, max: 1 });
    const now = new Date('2025-01-02T03:00:00.000Z');
    const who = { deviceId: phone.id, accountId: account.id };
    try {
      for (let round = 0; round < 2; round++) {
        expect(await findDevice(db, phone.jkt)).toEqual({ device: phone, account });
        expect(await loadSession(db, row.id, phone.id, now)).toEqual(row);
        expect(await loadSessionWithLiveCredentials(db, row.id, who, now)).toEqual({
          session: row,
          liveCredentials: 1,
        });
        expect((await loadSessionWithPanHash(db, row.id, phone.id, now)).session).toEqual(row);
        expect(
          await findDeviceCredential(db, { deviceId: phone.id, tokenRef: token.token_ref }),
        ).toEqual(token);
        expect(await findCredentialById(db, token.id)).toEqual(token);
        expect(await pendingScripts(db, 10, 20).execute()).toEqual([script]);
        expect(await listNotifications(db, phone.id, 0, 10)).toHaveLength(1);
      }
      const { rows } = await sql<{ statement: string }>`select statement
        from pg_prepared_statements`.execute(db);
      const prepared = rows.map((r) => r.statement.replace(/\s+/g, ' '));
      for (const read of [
        /^select "devices"\."id", .* inner join "accounts"/,
        /^select "provisioning_sessions"\."id", .*"updated_at" from "provisioning_sessions"/,
        /^select "provisioning_sessions"\."id", .*\(select count\(\*\)/,
        /^select "provisioning_sessions"\."id", .*"vault_pan_hash"/,
        /^select "id", .* from "credentials" where "token_ref" = \$1 and "device_id" = \$2$/,
        /^select "id", .* from "credentials" where "id" = \$1$/,
        /^select "id", .* from "tsm_scripts" where "state" = 'pending'/,
        /^select "id", .* from "notifications" where "device_id" = cast\(\$1 as text\)/,
      ])
        expect(prepared.filter((text) => read.test(text))).toHaveLength(1);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
