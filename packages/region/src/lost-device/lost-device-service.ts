import { DomicileError, type api } from '@domicile/protocol';
import { findDeviceById, markDeviceLost, markDeviceRemoved } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import type { InCommit } from '../idempotency/index.js';
import { newId } from '../ids/index.js';
import { traceparentToQueue } from '../logging/index.js';
import type { RegionContext } from '../region-context.js';
import type { LostReportRow, RegionOutboxRow } from '../storage/index.js';
import { residencyOf } from '../residency/index.js';
import { outboxAskColumn } from './region-outbox-worker.js';
import { suspendDeviceCredentials } from './suspend-lost-device.js';

/**
 * Who reports: an operator of the home region (support), or a device of the account (the device
 * itself when `deviceId` is absent).
 */
export type LostReporter =
  | { readonly kind: 'operator'; readonly operatorId: string }
  | { readonly kind: 'device'; readonly deviceId?: string };

/**
 * Reports a device lost at its home region. In one transaction: the report, the device marked
 * lost (its key is refused from then on, but for reading its notifications), the suspension of
 * the device's home tokens (each with a push notification) and one outbox row per other region
 * of the residency index — so either the whole report exists, with its fan-out durably queued,
 * or nothing does. The outbox then delivers to every other region (see RegionOutboxWorker).
 */
export function reportLostDevice(
  ctx: RegionContext,
  input: {
    readonly deviceId: string;
    readonly reporter: LostReporter;
    readonly inCommit?: InCommit<api.LostReportView>;
  },
): Promise<api.LostReportView> {
  return reportDevice(ctx, { ...input, action: 'suspend' });
}

/**
 * A lost-device report (`suspend`) or the removal of a device from its account (`delete`: the
 * device marked removed and its tokens deleted, here and, through the same outbox, in every
 * other region). Only the one device's tokens: the account's other devices keep theirs.
 * `inCommit` gets the report in the same transaction: a retry after a crash that followed the
 * commit then replays it rather than making a second report (a device already lost or removed
 * would be reported again, with another outbox row per region).
 */
export async function reportDevice(
  ctx: RegionContext,
  input: {
    readonly deviceId: string;
    readonly reporter: LostReporter;
    readonly action: api.DeviceReportAction;
    readonly inCommit?: InCommit<api.LostReportView>;
  },
): Promise<api.LostReportView> {
  const found = await findDeviceById(ctx.db, input.deviceId);
  if (found === undefined) throw new DomicileError('DEVICE_NOT_FOUND');
  const { device, account } = found;
  // A guest device here belongs to another home region: only that one knows every region to tell.
  if (account.kind !== 'registered' || account.home_region !== ctx.self.id)
    throw new DomicileError('LOST_REPORT_NOT_HOME');
  const targets = (await residencyOf(ctx.db, account.id)).filter((r) => r.region !== ctx.self.id);
  const now = ctx.now();
  const at = now.toISOString();
  const reportId = newId();
  const { action } = input;
  const actor =
    input.reporter.kind === 'operator'
      ? `operator:${input.reporter.operatorId}`
      : `device:${input.reporter.deviceId ?? device.id}`;

  const suspension = await ctx.db.transaction().execute(async (trx) => {
    if (action === 'delete') await markDeviceRemoved(trx, { deviceId: device.id, at });
    else await markDeviceLost(trx, { deviceId: device.id, at });
    const home = await suspendDeviceCredentials(trx, ctx, {
      deviceId: device.id,
      reportId,
      action,
    });
    const n = home.count;
    const report: LostReportRow = {
      id: reportId,
      account_id: account.id,
      device_id: device.id,
      device_jkt: device.jkt,
      reported_by: input.reporter.kind,
      action,
      home_suspended: n,
      created_at: at,
    };
    await trx.insertInto('lost_reports').values(report).execute();
    const outbox: RegionOutboxRow[] = targets.map((t) => ({
      id: newId(),
      report_id: reportId,
      target_region: t.region,
      payload: outboxAskColumn.encode({
        pseudonym: t.pseudonym,
        deviceJkt: device.jkt,
        // A lost device's request stays as it always was: action is said only for a removal.
        ...(action === 'delete' ? { action } : {}),
      }),
      attempts: 0,
      next_attempt_at: at,
      confirmed_at: null,
      last_error: null,
      response: null,
      suspended: null,
      created_at: at,
      traceparent: traceparentToQueue(),
    }));
    if (outbox.length > 0) await trx.insertInto('region_outbox').values(outbox).execute();
    await appendAudit(trx, {
      at,
      actor,
      action: action === 'delete' ? 'device.removed' : 'device.reported_lost',
      subject: device.id,
      detail:
        action === 'delete'
          ? { reportId, deleted: n, regions: targets.map((t) => t.region) }
          : { reportId, suspended: n, regions: targets.map((t) => t.region) },
    });
    const byRegion = [...outbox].sort((a, b) => a.target_region.localeCompare(b.target_region));
    const view = lostReportView(ctx.self.id, report, byRegion);
    await input.inCommit?.(trx, view);
    return { home, view };
  });
  suspension.home.wake();
  ctx.regionOutbox.kick();
  return suspension.view;
}

/** A lost-device report with where it stands in every other region. */
export async function getLostReport(
  ctx: RegionContext,
  reportId: string,
): Promise<api.LostReportView> {
  const report = await ctx.db
    .selectFrom('lost_reports')
    .selectAll()
    .where('id', '=', reportId)
    .executeTakeFirst();
  if (report === undefined) throw new DomicileError('LOST_REPORT_NOT_FOUND');
  const rows = await ctx.db
    .selectFrom('region_outbox')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('target_region')
    .execute();
  return lostReportView(ctx.self.id, report, rows);
}

function lostReportView(
  home: string,
  report: LostReportRow,
  rows: readonly RegionOutboxRow[],
): api.LostReportView {
  const regions = rows.map((row): api.LostReportRegion => {
    const status: api.LostReportRegionStatus =
      row.confirmed_at !== null ? 'confirmed' : row.attempts === 0 ? 'pending' : 'failing';
    return {
      region: row.target_region,
      status,
      attempts: row.attempts,
      ...(row.suspended === null ? {} : { suspended: row.suspended }),
      ...(row.confirmed_at === null
        ? { nextAttemptAt: row.next_attempt_at }
        : { confirmedAt: row.confirmed_at }),
      ...(row.last_error === null ? {} : { lastError: row.last_error }),
    };
  });
  return {
    reportId: report.id,
    deviceId: report.device_id,
    reportedAt: report.created_at,
    reportedBy: report.reported_by,
    ...(report.action === 'delete' ? { action: report.action } : {}),
    home: { region: home, suspended: report.home_suspended },
    regions,
    complete: regions.every((r) => r.status === 'confirmed'),
  };
}
