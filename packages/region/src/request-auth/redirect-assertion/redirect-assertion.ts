import { DomicileError, TYP, api, type Directory } from '@domicile/protocol';
import { FRESHNESS } from '../freshness.js';
import { regionSigningKey } from '../region-signing-key.js';
import { verifySignedRequest, type SignedRequestKind } from '../signed-request.js';
import type { SingleUseId } from '../single-use-ids.js';

/** A redirect assertion (DESIGN: No blind redirects), signed by the device's home region. */
const REDIRECT_ASSERTION: SignedRequestKind<typeof api.RedirectAssertionClaims> = {
  typ: TYP.redirectAssertion,
  claims: api.RedirectAssertionClaims,
  freshness: FRESHNESS.redirectAssertion,
  codes: {
    invalid: 'ASSERTION_INVALID',
    audience: 'ASSERTION_AUDIENCE',
    expired: 'ASSERTION_EXPIRED',
    replayed: 'ASSERTION_REPLAYED',
  },
  singleUse: { kind: 'assertion', scope: (claims) => claims.iss },
};

export interface VerifiedRedirectAssertion {
  readonly claims: api.RedirectAssertionClaims;
  /** To be recorded with `recordSingleUseId` in the transaction that opens the session. */
  readonly singleUse: SingleUseId;
}

/**
 * Verifies an assertion presented to this region (the target). Order matters: nothing in the
 * token is believed until the issuer's signature, found through the signed directory, verifies;
 * then it must be for this device key and this very provisioning message, and vouch for a user
 * who can transact.
 */
export async function verifyRedirectAssertion(input: {
  readonly assertion: string;
  readonly directory: Directory;
  readonly self: string;
  readonly deviceJkt: string;
  readonly message: { routingPrefix: string; last4: string };
  readonly now: Date;
}): Promise<VerifiedRedirectAssertion> {
  const { claims, singleUse } = await verifySignedRequest(REDIRECT_ASSERTION, {
    token: input.assertion,
    key: regionSigningKey(input.directory, input.self, () => input.now),
    audience: input.self,
    now: input.now,
  });
  if (claims.cnf.jkt !== input.deviceJkt) throw new DomicileError('ASSERTION_KEY_MISMATCH');
  if (
    claims.msg.routingPrefix !== input.message.routingPrefix ||
    claims.msg.last4 !== input.message.last4
  ) {
    throw new DomicileError('ASSERTION_MESSAGE_MISMATCH');
  }
  if (!claims.standing.canTransact) throw new DomicileError('ACCOUNT_CANNOT_TRANSACT');
  return { claims, singleUse };
}
