import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import type { Database } from '../storage/index.js';
import {
  createRegionFixture,
  createTestDevice,
  createTestPostgresDatabase,
} from '../testing/index.js';

const US = 'http://127.0.0.1:17101';
const dir = mkdtempSync(join(tmpdir(), 'domicile-audit-rollback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Makes every insert into audit_log fail, as a full disk or a revoked grant would. */
async function refuseAuditInserts(db: Kysely<Database>, dialect: string): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create trigger audit_refuse before insert on audit_log
      begin select raise(abort, 'audit refused'); end`.execute(db);
    return;
  }
  await sql`create function audit_refuse() returns trigger language plpgsql
    as $$ begin raise exception 'audit refused'; end $$`.execute(db);
  await sql`create trigger audit_refuse before insert on audit_log
    for each row execute function audit_refuse()`.execute(db);
}

const skipPg = process.env.DOMICILE_SKIP_PG === '1';

describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('an action whose audit row cannot be written, on %s', (dialect, skip) => {
  it.skipIf(skip)(
    'does not happen: registration answers AUDIT_UNAVAILABLE and leaves no account',
    async () => {
      const fixture = await createRegionFixture();
      const pg =
        dialect === 'postgres' ? await createTestPostgresDatabase('domicile_audit_rb') : undefined;
      let us: Region | undefined;
      try {
        us = await fixture.region('us', pg?.connectionString ?? `sqlite:${join(dir, 'us.db')}`);
        const { db } = us.context;
        await refuseAuditInserts(db, dialect);
        const device = await createTestDevice();
        const res = await us.app.inject({
          method: 'POST',
          url: '/v1/accounts',
          headers: await device.headers('POST', `${US}/v1/accounts`),
          payload: JSON.stringify({
            name: 'No Trace',
            email: 'no-trace@example.com',
            device: { encryptionKey: device.encryption.publicJwk },
          }),
        });
        expect([res.statusCode, res.json<{ error: { code: string } }>().error.code]).toEqual([
          503,
          'AUDIT_UNAVAILABLE',
        ]);
        for (const table of ['accounts', 'devices', 'audit_log'] as const)
          expect(await db.selectFrom(table).selectAll().execute(), table).toEqual([]);
        expect(await db.selectFrom('audit_chain_head').select('seq').execute()).toEqual([
          { seq: 0 },
        ]);

        // A refusal stands even when its own row cannot be written.
        const refused = await us.app.inject({
          method: 'POST',
          url: '/v1/provisioning',
          payload: {},
        });
        expect(refused.statusCode).toBe(401);
      } finally {
        await us?.close();
        await pg?.drop();
      }
    },
  );
});
