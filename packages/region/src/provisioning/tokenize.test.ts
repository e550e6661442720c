import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import {
  createRegionFixture,
  createTestDevice,
  readySession,
  type TestDevice,
} from '../testing/region-fixture.js';

const US = 'http://127.0.0.1:17101';
let us: Region;
let device: TestDevice;

beforeAll(async () => {
  const fixture = await createRegionFixture();
  us = await fixture.region('us');
  device = await createTestDevice();
  await post('/v1/accounts', {
    name: 'Crash Test',
    email: 'crash@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
});
afterAll(async () => {
  await us.close();
});

async function post(path: string, body: unknown, key?: string) {
  return us.app.inject({
    method: 'POST',
    url: path,
    headers: await device.headers('POST', `${US}${path}`, key),
    payload: JSON.stringify(body),
  });
}

const count = async (
  table: 'credentials' | 'tsm_scripts' | 'notifications' | 'assets',
): Promise<number> =>
  (
    await us.context.db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
  ).n;

describe('tokenization is all or nothing', () => {
  it('leaves no token, script or notification when the last write of the transaction fails, and a retry makes exactly one', async () => {
    const sessionId = await readySession(us, device);
    const before = {
      credentials: await count('credentials'),
      scripts: await count('tsm_scripts'),
      notifications: await count('notifications'),
    };
    // The notification is written last inside the transaction: make that write fail, as a crash there would.
    await sql`CREATE TRIGGER fail_notifications BEFORE INSERT ON notifications BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`.execute(
      us.context.db,
    );
    const key = 'crash-retry-key-0123456789';
    const failed = await post(`/v1/provisioning/${sessionId}/tokenize`, {}, key);
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal error.' } });
    expect({
      credentials: await count('credentials'),
      scripts: await count('tsm_scripts'),
      notifications: await count('notifications'),
    }).toEqual(before);
    const session = await us.context.db
      .selectFrom('provisioning_sessions')
      .select('state')
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    expect(session.state).toBe('ready');

    await sql`DROP TRIGGER fail_notifications`.execute(us.context.db);
    const retried = await post(`/v1/provisioning/${sessionId}/tokenize`, {}, key);
    expect(retried.statusCode).toBe(200);
    const again = await post(`/v1/provisioning/${sessionId}/tokenize`, {}); // a new key: the session answers with its token
    expect(again.json<{ credential: { tokenRef: string } }>().credential.tokenRef).toBe(
      retried.json<{ credential: { tokenRef: string } }>().credential.tokenRef,
    );
    expect(await count('credentials')).toBe(before.credentials + 1);
    expect(await count('tsm_scripts')).toBe(before.scripts + 1);
    const provisioned = await us.context.db
      .selectFrom('notifications')
      .select('id')
      .where('type', '=', 'credential.provisioned')
      .execute();
    expect(provisioned).toHaveLength(1);
  });
});
