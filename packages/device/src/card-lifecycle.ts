import { DomicileError, type api, definedProps } from '@domicile/protocol';
import type { RegionClient } from './region-client.js';
import type { Applet, AppletView, SecureElement } from './secure-element/index.js';

/** What changing a card's state needs from the wallet. */
export interface CardLifecycleContext {
  readonly secureElement: SecureElement;
  readonly clientFor: (region: string) => RegionClient;
  readonly persist: () => Promise<void>;
}

/** Options of `Wallet.suspendCard`, `resumeCard` and `deleteCard`. */
export interface CardLifecycleOptions {
  /** A short code (`^[a-z][a-z0-9_]{0,63}$`); default `user_request`. */
  readonly reason?: string;
  readonly signal?: AbortSignal;
}

/**
 * The user suspends, resumes or deletes a card: the region that owns the token decides, and the
 * applet takes the state the region answers with at once (the push notification that follows is
 * then 'already-done'). A card suspended by the issuer or a lost-device report cannot be resumed
 * from the device: `RESUME_NOT_ALLOWED`.
 */
export async function changeCardState(
  ctx: CardLifecycleContext,
  tokenRef: string,
  action: api.LifecycleAction,
  options: CardLifecycleOptions = {},
): Promise<AppletView> {
  const applet = ctx.secureElement.applet(tokenRef);
  if (applet === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  const { credential } = await ctx
    .clientFor(applet.region)
    .changeCredentialState(
      tokenRef,
      action,
      definedProps({ reason: options.reason }),
      definedProps({ signal: options.signal }),
    );
  if (credential.tokenRef !== tokenRef)
    throw new DomicileError('SIGNATURE_INVALID', { cause: 'answer about another token' });
  followState(applet, credential.state);
  await ctx.persist();
  return applet.view();
}

/** Brings an applet to the state its region reports. */
export function followState(applet: Applet, state: api.CredentialState): void {
  if (state === applet.state) return;
  if (state === 'deleted') applet.delete();
  else if (state === 'suspended') applet.suspend();
  else if (applet.state === 'suspended') applet.resume(state);
}
