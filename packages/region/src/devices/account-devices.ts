import { DomicileError, type api } from '@domicile/protocol';
import { findDeviceById, listAccountDevices, type AuthenticatedDevice } from '../accounts/index.js';
import { credentialView, listAccountCredentials } from '../credentials/index.js';
import type { InCommit } from '../idempotency/index.js';
import { reportDevice } from '../lost-device/index.js';
import type { RegionContext } from '../region-context.js';
import type { DeviceRow } from '../storage/index.js';
import { requireHomeDevice } from './join-requests.js';

function deviceView(row: DeviceRow, currentId: string): api.DeviceView {
  return {
    id: row.id,
    jkt: row.jkt,
    state: row.removed_at !== null ? 'removed' : row.lost_at !== null ? 'lost' : 'active',
    addedAt: row.created_at,
    current: row.id === currentId,
    ...(row.model === null ? {} : { model: row.model }),
  };
}

/** The account's devices, as its home region knows them: active, lost and removed. */
export async function listDevices(
  ctx: RegionContext,
  who: AuthenticatedDevice,
): Promise<api.DeviceView[]> {
  requireHomeDevice(ctx, who);
  const rows = await listAccountDevices(ctx.db, who.account.id);
  return rows.map((row) => deviceView(row, who.device.id));
}

/**
 * Removes a device from the account, asked by a device of the account (itself or another): the
 * device is marked removed and its tokens deleted, here at once and in every other region the
 * account was redirected to, by the lost-device outbox with action `delete`. The account's other
 * devices keep their tokens and keep paying.
 * The answer is handed to `inCommit` in the removal's transaction, so a retry after a crash
 * replays it instead of being refused `DEVICE_REMOVED`.
 * @throws DomicileError `DEVICE_NOT_FOUND` (not a device of this account), `DEVICE_REMOVED`.
 */
export async function removeDevice(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  deviceId: string,
  inCommit?: InCommit<api.RemoveDeviceResponse>,
): Promise<api.RemoveDeviceResponse> {
  requireHomeDevice(ctx, who);
  const target = await findDeviceById(ctx.db, deviceId);
  if (target === undefined || target.account.id !== who.account.id)
    throw new DomicileError('DEVICE_NOT_FOUND');
  if (target.device.removed_at !== null) throw new DomicileError('DEVICE_REMOVED');
  let answer: api.RemoveDeviceResponse | undefined;
  const report = await reportDevice(ctx, {
    deviceId,
    reporter: { kind: 'device', deviceId: who.device.id },
    action: 'delete',
    inCommit: async (trx, view) => {
      const after = await findDeviceById(trx, deviceId);
      answer = { device: deviceView(after?.device ?? target.device, who.device.id), report: view };
      await inCommit?.(trx, answer);
    },
  });
  return answer ?? { device: deviceView(target.device, who.device.id), report };
}

/**
 * Every token of the calling device's account in this region — at home, or in a guest account —
 * with the device that holds it.
 */
export async function listAccountTokens(
  ctx: RegionContext,
  who: AuthenticatedDevice,
): Promise<api.AccountCredentialView[]> {
  const [rows, devices] = await Promise.all([
    listAccountCredentials(ctx.db, who.account.id),
    listAccountDevices(ctx.db, who.account.id),
  ]);
  const jkts = new Map(devices.map((d) => [d.id, d.jkt]));
  return rows.map((row) => ({
    ...credentialView(ctx, row),
    deviceId: row.device_id,
    deviceJkt: jkts.get(row.device_id) ?? '',
  }));
}
