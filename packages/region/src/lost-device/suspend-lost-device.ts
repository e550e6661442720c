import type { Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import {
  applyCredentialStateChange,
  wakeAfterStateChange,
  type AppliedStateChange,
} from '../lifecycle/index.js';
import { UNDELETED_STATES, listDeviceCredentials } from '../credentials/index.js';
import type { RegionContext } from '../region-context.js';
import type { Database } from '../storage/index.js';

/** Why a lost-device report suspends a token (a lifecycle reason code). */
export const DEVICE_LOST_REASON = 'device_lost';
/** Why removing a device from its account deletes a token. */
export const DEVICE_REMOVED_REASON = 'device_removed';

export interface DeviceSuspension {
  /** How many of the device's tokens this report changed (tokens already in that state are not counted). */
  readonly count: number;
  /** Wakes push streams and the webhook worker: call after the transaction commits. */
  readonly wake: () => void;
}

/**
 * Suspends (a lost device) or deletes (a device removed from its account) every live credential
 * of one device as the system actor, through the one lifecycle path (state, notification, issuer
 * webhook, audit), inside the caller's transaction. A token the user had suspended is taken over
 * by the system, so the device alone cannot resume it. The account's other devices hold tokens of
 * their own, untouched.
 */
export async function suspendDeviceCredentials(
  trx: Kysely<Database>,
  ctx: RegionContext,
  input: {
    readonly deviceId: string;
    readonly reportId: string;
    readonly action?: api.DeviceReportAction;
  },
): Promise<DeviceSuspension> {
  const action = input.action ?? 'suspend';
  const live = await listDeviceCredentials(trx, input.deviceId, UNDELETED_STATES);
  const applied: AppliedStateChange[] = [];
  for (const { token_ref: tokenRef } of live) {
    applied.push(
      await applyCredentialStateChange(trx, ctx, {
        tokenRef,
        action,
        actor: 'system',
        reason: action === 'delete' ? DEVICE_REMOVED_REASON : DEVICE_LOST_REASON,
        actorId: input.reportId,
      }),
    );
  }
  return {
    count: applied.filter((a) => a.changed).length,
    wake: () => {
      for (const a of applied) wakeAfterStateChange(ctx, a);
    },
  };
}
