import type { api } from '@domicile/protocol';
import { DomicileError, TYP, decryptText, epochSeconds, peekHeader } from '@domicile/protocol';
import type { AuthenticatedDevice } from '../accounts/index.js';
import type { InCommit } from '../idempotency/index.js';
import { acceptedRegionKey, privateJwkOf } from '../keys/index.js';
import type { RegionContext } from '../region-context.js';
import { refuseRecordedSingleUseId, verifyPushPayload } from '../request-auth/index.js';
import { loadSession, requireState, sessionProduct } from '../sessions/index.js';
import { acceptCard, parseCardDetails } from './session-steps.js';

/**
 * Step 3, when the card comes from its issuer's app (docs/protocol.md "Cards pushed from the
 * issuer's app"): the push payload instead of card details the device encrypted. The issuer's
 * signature is the identity check, so a yellow decision asks no one-time code. The payload is
 * refused, each with its own code, when it is altered, expired, spent, for another region (its
 * `aud` or the key its card is sealed to), signed by anyone but the issuer of the card's product,
 * or bound to another device.
 */
export async function receivePushPayload(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  req: api.PushPayloadRequest,
  inCommit?: InCommit<api.SessionResponse>,
): Promise<api.SessionResponse> {
  const row = await loadSession(ctx.db, sessionId, who.device.id, ctx.now());
  requireState(row, 'terms_accepted');
  const now = ctx.now();
  const { issuer, claims, singleUse } = await verifyPushPayload(ctx.trustedIssuers, {
    payload: req.pushPayload,
    region: ctx.self.id,
    deviceJkt: who.device.jkt,
    now,
  });
  await refuseRecordedSingleUseId(ctx.db, singleUse);
  if (ctx.trustedIssuers.forProduct(sessionProduct(row).id)?.id !== issuer.id)
    throw new DomicileError('PUSH_PAYLOAD_WRONG_ISSUER', { cause: 'not the product issuer' });
  const { card } = claims;
  if (
    card.last4 !== row.last4 ||
    card.network !== row.network ||
    !card.routingPrefix.startsWith(row.routing_prefix)
  )
    throw new DomicileError('PUSH_PAYLOAD_INVALID', { cause: 'another card than the session' });
  const key = acceptedRegionKey(
    ctx.keys,
    'encryption',
    peekHeader(claims.cardDetails)?.kid,
    epochSeconds(now),
  );
  if (key === undefined)
    throw new DomicileError('PUSH_PAYLOAD_WRONG_REGION', { cause: 'card sealed to another key' });
  const plaintext = await decryptText(
    claims.cardDetails,
    privateJwkOf(key),
    TYP.cardDetails,
    'PUSH_PAYLOAD_INVALID',
  );
  const pushedBy = { issuer: issuer.id, singleUse };
  return acceptCard(ctx, who, row, parseCardDetails(plaintext), pushedBy, inCommit);
}
