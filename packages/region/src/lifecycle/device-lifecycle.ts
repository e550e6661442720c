import { DomicileError, type api } from '@domicile/protocol';
import type { AuthenticatedDevice } from '../accounts/index.js';
import { credentialView } from '../provisioning/tokenize.js';
import type { RegionContext } from '../region-context.js';
import { changeCredentialState } from './change-credential-state.js';

/**
 * The user suspends, resumes or deletes a card from their device: only a token of this device,
 * with the device's (weakest) authority, so it cannot resume what the issuer or a lost-device
 * report suspended. The reason defaults to `user_request`.
 */
export async function changeStateFromDevice(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  tokenRef: string,
  action: api.LifecycleAction,
  request: api.CredentialLifecycleRequest,
): Promise<api.CredentialResponse> {
  const owned = await ctx.db
    .selectFrom('credentials')
    .select('id')
    .where('token_ref', '=', tokenRef)
    .where('device_id', '=', who.device.id)
    .executeTakeFirst();
  if (owned === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  const { credential } = await changeCredentialState(ctx, {
    tokenRef,
    action,
    actor: 'device',
    reason: request.reason ?? 'user_request',
    actorId: who.device.id,
  });
  return { credential: credentialView(ctx, credential) };
}
