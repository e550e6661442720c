import { sql, type Kysely } from 'kysely';
import type { Database } from '@domicile/region';

/** A wallet of the run: its device key, and the push notifications it handled, per region. */
export interface ObservedDevice {
  /** The device key's thumbprint: the same device in every region it is known to. */
  readonly jkt: string;
  /** Region → ids of the notifications handled there, in the order handled. */
  readonly handled: ReadonlyMap<string, readonly number[]>;
}

/** A lost-device report its home region acknowledged to the operator. */
export interface AcknowledgedReport {
  readonly home: string;
  readonly reportId: string;
}

/**
 * Push notifications (DESIGN: Durable push), held as sets, never as ranges: PostgreSQL leaves
 * gaps in identity values by design, so a missing id means nothing, a missing row does. Every
 * notification a region queued for a device was handled by that device, once; and every one it
 * handled is still queued (a notification the device acted on did not vanish in a crash). A
 * queued one below the highest id the device handled is a gap the device can never fill: its
 * stream resumes after that id, so it skipped the row for good (rows made visible out of order).
 */
export async function checkNotifications(
  region: string,
  db: Kysely<Database>,
  devices: readonly ObservedDevice[],
): Promise<string[]> {
  const violations: string[] = [];
  const byJkt = new Map(devices.map((d) => [d.jkt, d]));
  const queued = new Map<string, number[]>();
  for (const row of await db
    .selectFrom('notifications')
    .select(['id', 'device_id'])
    .orderBy('id')
    .execute())
    queued.set(row.device_id, [...(queued.get(row.device_id) ?? []), Number(row.id)]);
  for (const device of await db.selectFrom('devices').select(['id', 'jkt']).execute()) {
    const mine = queued.get(device.id) ?? [];
    const wallet = byJkt.get(device.jkt);
    if (wallet === undefined) {
      if (mine.length > 0)
        violations.push(`${region}: device ${device.id} has notifications and no wallet`);
      continue;
    }
    const handled = wallet.handled.get(region) ?? [];
    const seen = new Set<number>();
    const held = new Set(mine);
    for (const id of handled) {
      if (seen.has(id))
        violations.push(`${region}: device ${device.id} handled notification ${id} twice`);
      else if (!held.has(id))
        violations.push(
          `${region}: device ${device.id} handled notification ${id}, which the region lost`,
        );
      seen.add(id);
    }
    const cursor = Math.max(0, ...handled);
    for (const id of mine)
      if (!seen.has(id))
        violations.push(
          id < cursor
            ? `${region}: notification ${id} of device ${device.id} skipped (device handled ${cursor})`
            : `${region}: notification ${id} of device ${device.id} never delivered`,
        );
  }
  return violations;
}

/**
 * The region-to-region outbox of lost-device reports: every acknowledged report is recorded at
 * its home, once (the run asks once per device, with one Idempotency-Key: a second report is a
 * request run twice); every request the home queued was confirmed by its target region, which
 * holds the receipt with the same count; and every receipt answers a request its home queued.
 */
export async function checkOutbox(
  dbs: ReadonlyMap<string, Kysely<Database>>,
  reports: readonly AcknowledgedReport[],
): Promise<string[]> {
  const violations: string[] = [];
  const key = (home: string, reportId: string, target: string): string =>
    `${home} ${reportId} ${target}`;
  const receipts = new Map<
    string,
    { target: string; home: string; reportId: string; suspended: number }
  >();
  for (const [target, db] of dbs)
    for (const r of await db
      .selectFrom('lost_device_receipts')
      .select(['home_region', 'report_id', 'suspended'])
      .execute())
      receipts.set(key(r.home_region, r.report_id, target), {
        target,
        home: r.home_region,
        reportId: r.report_id,
        suspended: r.suspended,
      });
  const queued = new Set<string>();

  for (const [home, db] of dbs) {
    const recorded = new Set(
      (await db.selectFrom('lost_reports').select('id').execute()).map((r) => r.id),
    );
    for (const r of reports)
      if (r.home === home && !recorded.has(r.reportId))
        violations.push(`${home}: acknowledged lost report ${r.reportId} is not recorded`);
    for (const d of await db
      .selectFrom('lost_reports')
      .select(['device_id', sql<number>`count(*)`.as('reports')])
      .groupBy('device_id')
      .having(sql`count(*)`, '>', 1)
      .execute())
      violations.push(
        `${home}: device ${d.device_id} reported lost ${d.reports} times, asked once`,
      );
    for (const row of await db
      .selectFrom('region_outbox')
      .select(['id', 'report_id', 'target_region', 'confirmed_at', 'suspended'])
      .execute()) {
      const k = key(home, row.report_id, row.target_region);
      queued.add(k);
      const received = receipts.get(k)?.suspended;
      const what = `${home}: outbox event ${row.id} (report ${row.report_id} to ${row.target_region})`;
      if (row.confirmed_at === null) violations.push(`${what} not delivered`);
      else if (received === undefined) violations.push(`${what} confirmed, never received`);
      else if (received !== row.suspended)
        violations.push(
          `${what} confirmed ${row.suspended ?? 'no'} suspended, received ${received}`,
        );
    }
  }
  for (const [k, r] of receipts)
    if (!queued.has(k))
      violations.push(`${r.target}: receipt of report ${r.reportId}, which ${r.home} never queued`);
  return violations;
}
