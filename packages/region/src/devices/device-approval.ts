import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, verifyJson, type PublicJwk } from '@domicile/protocol';
import { staleness, type FreshnessPolicy } from '../request-auth/index.js';
import type { JoinRequestRow } from '../storage/index.js';

/**
 * A device approval is made while the user holds both devices; the phone's clock is the least
 * trusted of all, so the skew is as wide as the age. It carries no id to remember: the join
 * request it approves is used once.
 */
const APPROVAL_FRESHNESS: FreshnessPolicy = {
  maxAgeSeconds: api.DEVICE_APPROVAL_MAX_AGE_SECONDS,
  clockSkewSeconds: api.DEVICE_APPROVAL_MAX_AGE_SECONDS,
};

/**
 * Verifies a device approval (`typ` domicile-device-approval+jws) against the approving device's
 * own key, as the region stored it: signed by that key, naming that device, this region, the
 * account, this join request, the joining device's key thumbprint and the short code both
 * devices show, and fresh. Which check failed is only in `cause`.
 * @throws DomicileError `JOIN_APPROVAL_INVALID`.
 */
export async function verifyDeviceApproval(input: {
  readonly jws: string;
  readonly approverKey: PublicJwk;
  readonly approverId: string;
  readonly region: string;
  readonly request: JoinRequestRow;
  readonly now: Date;
}): Promise<api.DeviceApprovalClaims> {
  const fail = (why: string): never => {
    throw new DomicileError('JOIN_APPROVAL_INVALID', { cause: why });
  };
  const claims = await verifyJson(
    input.jws,
    input.approverKey,
    api.DEVICE_APPROVAL_TYP,
    'JOIN_APPROVAL_INVALID',
  );
  if (!Value.Check(api.DeviceApprovalClaims, claims)) return fail('claims');
  const { request } = input;
  if (claims.iss !== input.approverId) fail('issuer');
  if (claims.aud !== input.region) fail('audience');
  if (claims.accountId !== request.account_id || claims.joinRequestId !== request.id)
    fail('not this join request');
  if (claims.jkt !== request.jkt) fail('not the joining device');
  if (claims.code !== (await api.joinCode(request.id, request.jkt))) fail('code');
  const stale = staleness(APPROVAL_FRESHNESS, claims, Math.floor(input.now.getTime() / 1000));
  if (stale !== undefined) fail(stale);
  return claims;
}
