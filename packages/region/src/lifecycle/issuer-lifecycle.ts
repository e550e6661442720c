import { DomicileError, type api } from '@domicile/protocol';
import { findCredentialByTokenRef } from '../credentials/index.js';
import type { TrustedIssuer } from '../request-auth/index.js';
import type { RegionContext } from '../region-context.js';
import type { CredentialRow } from '../storage/index.js';
import { changeCredentialState } from './change-credential-state.js';
import { productIdOf } from './credential-lifecycle-store.js';

/**
 * The issuer suspends, resumes or deletes a token through the issuer API: only a token of one of
 * its own products (`ISSUER_FORBIDDEN` otherwise), with the issuer's (strongest) authority.
 */
export async function changeStateAsIssuer(
  ctx: RegionContext,
  issuer: TrustedIssuer,
  tokenRef: string,
  action: api.LifecycleAction,
  body: api.IssuerLifecycleBody,
): Promise<api.IssuerCredentialResponse> {
  const credential = await findCredentialByTokenRef(ctx.db, tokenRef);
  if (credential === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  if (!issuer.productIds.has(await productIdOf(ctx.db, credential)))
    throw new DomicileError('ISSUER_FORBIDDEN');
  const result = await changeCredentialState(ctx, {
    tokenRef,
    action,
    actor: 'issuer',
    reason: body.reason,
    actorId: issuer.id,
  });
  return {
    credential: issuerCredentialView(ctx, result.credential, result.productId),
    changed: result.changed,
  };
}

/** A token as its issuer sees it: masked numbers, state and product. */
export function issuerCredentialView(
  ctx: RegionContext,
  c: CredentialRow,
  productId: string,
): api.IssuerCredentialView {
  return {
    tokenRef: c.token_ref,
    region: ctx.self.id,
    productId,
    network: c.network as api.IssuerCredentialView['network'],
    last4: c.last4,
    tokenLast4: c.token_number.slice(-4),
    state: c.state,
    updatedAt: c.updated_at,
  };
}
