import type { api } from '@domicile/protocol';
import type { RegionContext } from '../region-context.js';
import type { CredentialRow } from '../storage/index.js';

/** A credential as its device sees it: masked numbers and state, never the token number. */
export function credentialView(ctx: RegionContext, c: CredentialRow): api.CredentialView {
  return {
    tokenRef: c.token_ref,
    region: ctx.self.id,
    network: c.network as api.CredentialView['network'],
    last4: c.last4,
    tokenLast4: c.token_number.slice(-4),
    state: c.state,
    createdAt: c.created_at,
  };
}
