import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@domicile/region';
import {
  deviceRow,
  lostDeviceReceiptRow,
  lostReportRow,
  notificationRow,
  regionOutboxRow,
} from '@domicile/region/testing';
import { checkNotifications, checkOutbox } from './delivery-invariants.js';

let us: Kysely<Database>;
let eu: Kysely<Database>;
beforeEach(async () => {
  us = await openDatabase('sqlite::memory:');
  eu = await openDatabase('sqlite::memory:');
});
afterEach(async () => {
  await us.destroy();
  await eu.destroy();
});

/** Queues one notification for `deviceId` and returns its id. */
async function queue(deviceId: string): Promise<number> {
  const row = await us
    .insertInto('notifications')
    .values(notificationRow({ device_id: deviceId }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

describe('the notification invariant of the chaos run', () => {
  it('holds when each device handled exactly the set queued for it, ids interleaved', async () => {
    const [a, b] = [deviceRow(), deviceRow()];
    await us.insertInto('devices').values([a, b]).execute();
    // Ids of one device are not contiguous: another device's (or a rolled-back insert's) sit between.
    const [first, other, second] = [await queue(a.id), await queue(b.id), await queue(a.id)];
    expect(
      await checkNotifications('us', us, [
        { jkt: a.jkt, handled: new Map([['us', [first, second]]]) },
        { jkt: b.jkt, handled: new Map([['us', [other]]]) },
      ]),
    ).toEqual([]);
  });

  it('names a skipped, an undelivered, a lost and a twice-handled notification, and an unheld device', async () => {
    const [a, b, stray] = [deviceRow(), deviceRow(), deviceRow()];
    await us.insertInto('devices').values([a, b, stray]).execute();
    const [first, skipped, last] = [await queue(a.id), await queue(a.id), await queue(a.id)];
    const undelivered = await queue(b.id);
    await queue(stray.id);
    const lost = 9_999;
    const violations = await checkNotifications('us', us, [
      { jkt: a.jkt, handled: new Map([['us', [first, last, last, lost]]]) },
      { jkt: b.jkt, handled: new Map() },
    ]);
    expect(violations).toEqual([
      `us: device ${a.id} handled notification ${last} twice`,
      `us: device ${a.id} handled notification ${lost}, which the region lost`,
      `us: notification ${skipped} of device ${a.id} skipped (device handled ${lost})`,
      `us: notification ${undelivered} of device ${b.id} never delivered`,
      `us: device ${stray.id} has notifications and no wallet`,
    ]);
  });
});

describe('the outbox invariant of the chaos run', () => {
  const dbs = () =>
    new Map([
      ['us', us],
      ['eu', eu],
    ]);

  it('holds when every acknowledged report is recorded and each request was received as confirmed', async () => {
    const report = lostReportRow();
    await us.insertInto('lost_reports').values(report).execute();
    await us
      .insertInto('region_outbox')
      .values(regionOutboxRow({ report_id: report.id, target_region: 'eu', suspended: 1 }))
      .execute();
    await eu
      .insertInto('lost_device_receipts')
      .values(lostDeviceReceiptRow({ home_region: 'us', report_id: report.id, suspended: 1 }))
      .execute();
    expect(await checkOutbox(dbs(), [{ home: 'us', reportId: report.id }])).toEqual([]);
  });

  it('names an unrecorded report, a device reported twice, an undelivered, an unreceived and a miscounted request, and a stray receipt', async () => {
    const twice = [lostReportRow(), lostReportRow()].map((r) => ({ ...r, device_id: 'device-1' }));
    await us.insertInto('lost_reports').values(twice).execute();
    const pending = regionOutboxRow({ target_region: 'eu', confirmed_at: null });
    const unheard = regionOutboxRow({ target_region: 'eu' });
    const miscounted = regionOutboxRow({ target_region: 'eu', suspended: 2 });
    await us.insertInto('region_outbox').values([pending, unheard, miscounted]).execute();
    const stray = lostDeviceReceiptRow({ home_region: 'us' });
    await eu
      .insertInto('lost_device_receipts')
      .values([
        lostDeviceReceiptRow({ home_region: 'us', report_id: miscounted.report_id, suspended: 1 }),
        stray,
      ])
      .execute();
    const violations = await checkOutbox(dbs(), [{ home: 'us', reportId: 'never-recorded' }]);
    const event = (row: typeof pending) =>
      `us: outbox event ${row.id} (report ${row.report_id} to eu)`;
    expect(violations.sort()).toEqual(
      [
        'us: acknowledged lost report never-recorded is not recorded',
        'us: device device-1 reported lost 2 times, asked once',
        `${event(pending)} not delivered`,
        `${event(unheard)} confirmed, never received`,
        `${event(miscounted)} confirmed 2 suspended, received 1`,
        `eu: receipt of report ${stray.report_id}, which us never queued`,
      ].sort(),
    );
  });
});
