import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import { findDeviceById, markDeviceLost, markDeviceRemoved } from '../accounts/index.js';
import type { Region } from '../region-server.js';
import {
  createRegionFixture,
  createTestDevice,
  readySession,
  type TestDevice,
} from '../testing/region-fixture.js';
import { createTestPostgresDatabase } from '../testing/test-database.js';
import { tokenize } from './tokenize.js';

const US = 'http://127.0.0.1:17101';
const skipPg = process.env.DOMICILE_SKIP_PG === '1';

describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('a device that ended while it tokenized, on %s', (kind, skip) => {
  let us: Region;
  let drop = (): Promise<void> => Promise.resolve();

  beforeAll(async () => {
    if (skip) return;
    const fixture = await createRegionFixture();
    if (kind === 'postgres') {
      const pg = await createTestPostgresDatabase('tokenize_ended');
      drop = () => pg.drop();
      us = await fixture.region('us', pg.connectionString);
    } else us = await fixture.region('us');
  });
  afterAll(async () => {
    await us?.close();
    await drop();
  });

  async function post(device: TestDevice, path: string, body: unknown) {
    const res = await us.app.inject({
      method: 'POST',
      url: path,
      headers: await device.headers('POST', `${US}${path}`),
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  }

  /** A registered device with a session ready to tokenize, and its device id. */
  async function readyDevice(): Promise<{ device: TestDevice; deviceId: string; id: string }> {
    const device = await createTestDevice();
    const registered = await post(device, '/v1/accounts', {
      name: 'Ended Device',
      email: 'ended@example.com',
      device: { encryptionKey: device.encryption.publicJwk },
    });
    return {
      device,
      deviceId: String(registered.body.deviceId),
      id: await readySession(us, device),
    };
  }

  const tokensOf = async (deviceId: string): Promise<number> =>
    (
      await us.context.db
        .selectFrom('credentials')
        .select(sql<number>`count(*)`.as('n'))
        .where('device_id', '=', deviceId)
        .executeTakeFirstOrThrow()
    ).n;

  async function refusalOf(work: Promise<unknown>): Promise<string> {
    try {
      await work;
    } catch (error) {
      if (isDomicileError(error)) return error.code;
      throw error;
    }
    return 'tokenized';
  }

  const ends = [
    ['removed from its account', markDeviceRemoved, 'DEVICE_REMOVED'],
    ['reported lost', markDeviceLost, 'DEVICE_LOST'],
  ] as const;

  it.skipIf(skip).each(ends)(
    'makes no token for a device %s after its request was authenticated',
    async (_, end, code) => {
      const { deviceId, id } = await readyDevice();
      // Authenticated while the device was still active, as the route had done.
      const who = await findDeviceById(us.context.db, deviceId);
      if (who === undefined) throw new Error('device');
      await end(us.context.db, { deviceId, at: new Date().toISOString() });
      expect(await refusalOf(tokenize(us.context, who, id))).toBe(code);
      expect(Number(await tokensOf(deviceId))).toBe(0);
    },
  );

  it.skipIf(skip)(
    'refuses a removed device at the route too, and tokenizes an active one',
    async () => {
      const active = await readyDevice();
      const removed = await readyDevice();
      await markDeviceRemoved(us.context.db, {
        deviceId: removed.deviceId,
        at: new Date().toISOString(),
      });
      const refused = await post(removed.device, `/v1/provisioning/${removed.id}/tokenize`, {});
      expect([refused.status, (refused.body.error as { code?: string }).code]).toEqual([
        403,
        'DEVICE_REMOVED',
      ]);
      expect((await post(active.device, `/v1/provisioning/${active.id}/tokenize`, {})).status).toBe(
        200,
      );
      expect(Number(await tokensOf(removed.deviceId))).toBe(0);
      expect(Number(await tokensOf(active.deviceId))).toBe(1);
    },
  );
});
