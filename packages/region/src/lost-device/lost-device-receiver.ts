import type { api } from '@domicile/protocol';
import { findGuestDeviceId, markDeviceLost, markDeviceRemoved } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import type { RegionContext } from '../region-context.js';
import { recordSingleUseId, verifyLostDeviceRequest } from '../request-auth/index.js';
import { signLostDeviceConfirmation } from './region-request.js';
import { suspendDeviceCredentials } from './suspend-lost-device.js';

/**
 * Receives a lost-device request from a home region (`POST /v1/regions/lost-device`) and answers
 * with a confirmation signed by this region.
 *
 * A request with `action: 'delete'` is a device removed from its account: its tokens here are
 * deleted rather than suspended, and the device marked removed.
 *
 * What is suspended: the credentials of the lost device only — the device of the guest account
 * (`pseudonym` of home region `iss`) whose key thumbprint is `deviceJkt`, which is also marked
 * lost, so its key is refused here from then on (`DEVICE_LOST`). Tokens are
 * device-specific, so the user's other devices keep theirs; a device key found on another
 * account is not touched. A region that knows no such guest or device confirms zero.
 *
 * A request is accepted once (its `jti`); a report is applied once (a receipt per home region
 * and report): the home region's retry after a lost answer, a new request for the same report,
 * is answered with the count of the first.
 */
export async function receiveLostDeviceRequest(
  ctx: RegionContext,
  jws: string,
): Promise<api.RegionConfirmationResponse> {
  const now = ctx.now();
  const { claims: request, singleUse } = await verifyLostDeviceRequest({
    jws,
    directory: ctx.directory,
    self: ctx.self.id,
    now,
  });
  const result = await ctx.db.transaction().execute(async (trx) => {
    await recordSingleUseId(trx, singleUse);
    const receipt = await trx
      .selectFrom('lost_device_receipts')
      .select('suspended')
      .where('home_region', '=', request.iss)
      .where('report_id', '=', request.reportId)
      .executeTakeFirst();
    if (receipt !== undefined) return { suspended: receipt.suspended, wake: () => undefined };

    const deviceId = await findGuestDeviceId(trx, {
      homeRegion: request.iss,
      pseudonym: request.pseudonym,
      jkt: request.deviceJkt,
    });
    const action = request.action ?? 'suspend';
    if (deviceId !== undefined) {
      const at = now.toISOString();
      if (action === 'delete') await markDeviceRemoved(trx, { deviceId, at });
      else await markDeviceLost(trx, { deviceId, at });
    }
    const suspension =
      deviceId === undefined
        ? undefined
        : await suspendDeviceCredentials(trx, ctx, {
            deviceId,
            reportId: request.reportId,
            action,
          });
    const suspended = suspension?.count ?? 0;
    await trx
      .insertInto('lost_device_receipts')
      .values({
        home_region: request.iss,
        report_id: request.reportId,
        suspended,
        received_at: now.toISOString(),
      })
      .execute();
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `region:${request.iss}`,
      action: action === 'delete' ? 'device.removed.received' : 'device.lost.received',
      subject: deviceId ?? request.reportId,
      detail: {
        reportId: request.reportId,
        [action === 'delete' ? 'deleted' : 'suspended']: suspended,
        deviceKnown: deviceId !== undefined,
      },
    });
    return { suspended, wake: suspension?.wake ?? (() => undefined) };
  });
  result.wake();
  return {
    confirmation: await signLostDeviceConfirmation({
      request,
      suspended: result.suspended,
      signer: ctx.keyring.signing,
      now,
    }),
  };
}
