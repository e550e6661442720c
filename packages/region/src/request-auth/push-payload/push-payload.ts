import { decodeJwt } from 'jose';
import { DomicileError, api } from '@domicile/protocol';
import { FRESHNESS } from '../freshness.js';
import { verifySignedRequest, type SignedRequestKind } from '../signed-request.js';
import type { SingleUseId } from '../single-use-ids.js';
import type { TrustedIssuer, TrustedIssuers } from '../issuer-request/index.js';

/**
 * A push payload (docs/protocol.md "Cards pushed from the issuer's app"). A key no trusted issuer
 * holds is the wrong issuer, not a tampered payload: the payload may be fine, for another region.
 */
const PUSH_PAYLOAD: SignedRequestKind<typeof api.PushPayloadClaims> = {
  typ: api.PUSH_PAYLOAD_TYP,
  claims: api.PushPayloadClaims,
  freshness: FRESHNESS.pushPayload,
  codes: {
    invalid: 'PUSH_PAYLOAD_INVALID',
    unknownKey: 'PUSH_PAYLOAD_WRONG_ISSUER',
    audience: 'PUSH_PAYLOAD_WRONG_REGION',
    expired: 'PUSH_PAYLOAD_EXPIRED',
    replayed: 'PUSH_PAYLOAD_REPLAYED',
  },
  singleUse: { kind: 'push_payload', scope: (claims) => claims.iss },
};

/** A push payload as the owning region received it, with what it must be bound to. */
export interface PushPayloadInput {
  readonly payload: string;
  /** This region's id: the only audience accepted. */
  readonly region: string;
  /** The thumbprint of the device key that signed the request carrying it (its DPoP key). */
  readonly deviceJkt: string;
  readonly now: Date;
}

export interface VerifiedPushPayload {
  readonly issuer: TrustedIssuer;
  readonly claims: api.PushPayloadClaims;
  /** Still to be recorded, in the transaction that stores the card, so a refusal spends nothing. */
  readonly singleUse: SingleUseId;
}

/**
 * Verifies a push payload: a JWT by the key of a trusted issuer (found by `kid`), `typ`
 * domicile-push-payload+jwt, in that issuer's name, for this region, alive (`exp`, at most
 * {@link api.PUSH_PAYLOAD_MAX_LIFETIME_SECONDS} long) and bound to the calling device's key.
 * Whether the issuer is the card's, and the card itself, the caller checks against its session.
 */
export async function verifyPushPayload(
  issuers: TrustedIssuers,
  input: PushPayloadInput,
): Promise<VerifiedPushPayload> {
  // A payload for another region is refused by its unverified `aud` alone, before any key is
  // looked up or anything decrypted: a misrouted payload (at the home region, say) is never opened.
  if (audienceOf(input.payload) !== input.region)
    throw new DomicileError('PUSH_PAYLOAD_WRONG_REGION', { cause: 'aud' });
  const { claims, header, singleUse } = await verifySignedRequest(PUSH_PAYLOAD, {
    token: input.payload,
    key: (protectedHeader) =>
      protectedHeader.kid === undefined ? undefined : issuers.byKid(protectedHeader.kid)?.publicKey,
    audience: input.region,
    now: input.now,
  });
  const issuer = header.kid === undefined ? undefined : issuers.byKid(header.kid);
  // A trusted key speaking in another issuer's name is no issuer of this card.
  if (issuer === undefined || claims.iss !== issuer.id)
    throw new DomicileError('PUSH_PAYLOAD_WRONG_ISSUER', { cause: 'iss differs from the key' });
  if (claims.cnf.jkt !== input.deviceJkt)
    throw new DomicileError('PUSH_PAYLOAD_WRONG_DEVICE', { cause: 'cnf.jkt' });
  return { issuer, claims, singleUse };
}

function audienceOf(payload: string): unknown {
  try {
    return decodeJwt(payload).aud;
  } catch (cause) {
    throw new DomicileError('PUSH_PAYLOAD_INVALID', { cause });
  }
}
