import type { api } from '@domicile/protocol';
import { credentialView, requireDeviceCredential } from '../credentials/index.js';
import type { RegionContext } from '../region-context.js';
import { changeCredentialState } from './change-credential-state.js';

/**
 * The user suspends, resumes or deletes a card from their device: only a token of this device,
 * with the device's (weakest) authority, so it cannot resume what the issuer or a lost-device
 * report suspended. The reason defaults to `user_request`.
 */
export async function changeStateFromDevice(
  ctx: RegionContext,
  deviceId: string,
  tokenRef: string,
  action: api.LifecycleAction,
  request: api.CredentialLifecycleRequest,
): Promise<api.CredentialResponse> {
  await requireDeviceCredential(ctx, deviceId, tokenRef);
  const { credential } = await changeCredentialState(ctx, {
    tokenRef,
    action,
    actor: 'device',
    reason: request.reason ?? 'user_request',
    actorId: deviceId,
  });
  return { credential: credentialView(ctx, credential) };
}
