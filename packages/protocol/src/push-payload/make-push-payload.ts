import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { decodeJwt } from 'jose';
import {
  PUSH_PAYLOAD_LIFETIME_SECONDS,
  PUSH_PAYLOAD_MAX_LIFETIME_SECONDS,
  PUSH_PAYLOAD_TYP,
  PushPayloadClaims,
} from '../api/push-payload.js';
import type { CardDetails } from '../api/provisioning.js';
import { isCardNumber, last4Of, routingPrefixOf, type CardNetwork } from '../card/index.js';
import { epochSeconds, type Directory } from '../directory/index.js';
import { DomicileError } from '../errors/index.js';
import { TYP, encryptJson, signJson, type PrivateJwk } from '../jose/index.js';

/** What an issuer's backend needs to make a push payload for one card and one wallet. */
export interface PushPayloadInput {
  /** The issuer's id, as the owning region's trusted issuers list it. */
  readonly issuerId: string;
  /** The issuer's API key (the one `issuer trust` gave the region the public half of). */
  readonly issuerKey: PrivateJwk;
  /** A verified directory: it says which region owns the card and that region's encryption key. */
  readonly directory: Directory;
  /** The card, already checked by the issuer (its own card: number, expiry, CVV, name). */
  readonly card: CardDetails;
  readonly network: CardNetwork;
  /**
   * The wallet's account reference, as the wallet hands it to the issuer's app: its device key
   * thumbprint (RFC 7638), the one name every region knows the device by (docs/protocol.md).
   */
  readonly deviceJkt: string;
  readonly now?: Date;
  /** Default {@link PUSH_PAYLOAD_LIFETIME_SECONDS}; at most {@link PUSH_PAYLOAD_MAX_LIFETIME_SECONDS}. */
  readonly lifetimeSeconds?: number;
}

/** A push payload and what may be shown of it (never the card). */
export interface MadePushPayload {
  /** The compact JWS to hand to the wallet: opaque to it. */
  readonly payload: string;
  readonly region: string;
  readonly last4: string;
  readonly jti: string;
  readonly expiresAt: Date;
  /** The `kid` of the owning region's encryption key the card details are sealed to. */
  readonly encryptedTo: string;
}

/**
 * Makes a push payload (docs/protocol.md "Cards pushed from the issuer's app"): the card details
 * as a JWE to the encryption key the signed directory lists for the region that owns the card,
 * inside a JWT signed with the issuer's key, for that region, bound to the wallet's device key,
 * short-lived and single use. What an issuer's backend calls; `domicile issuer push-payload` too.
 */
export async function makePushPayload(input: PushPayloadInput): Promise<MadePushPayload> {
  const { card, directory } = input;
  if (!isCardNumber(card.pan))
    throw new DomicileError('VALIDATION_FAILED', { details: { field: 'pan' } });
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.deviceJkt))
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: 'account', reason: 'a device key thumbprint (43 base64url characters)' },
    });
  const lifetime = input.lifetimeSeconds ?? PUSH_PAYLOAD_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > PUSH_PAYLOAD_MAX_LIFETIME_SECONDS)
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: 'lifetimeSeconds', reason: `1 to ${PUSH_PAYLOAD_MAX_LIFETIME_SECONDS}` },
    });
  const routingPrefix = routingPrefixOf(card.pan);
  const route = directory.routeCard(routingPrefix);
  if (route.kind === 'unknown') throw new DomicileError('ROUTING_PREFIX_UNKNOWN');
  if (route.kind === 'ambiguous') throw new DomicileError('ROUTING_PREFIX_AMBIGUOUS');
  const region = route.region.id;
  const iat = epochSeconds(input.now);
  const encryptionKey = directory.key(region, 'encryption', iat);
  if (encryptionKey === undefined)
    throw new DomicileError('DIRECTORY_INVALID', { details: { region, role: 'encryption' } });
  const jti = randomBytes(24).toString('base64url');
  const claims: PushPayloadClaims = {
    iss: input.issuerId,
    aud: region,
    jti,
    iat,
    exp: iat + lifetime,
    cnf: { jkt: input.deviceJkt },
    card: { routingPrefix, last4: last4Of(card.pan), network: input.network },
    cardDetails: await encryptJson(card, encryptionKey, TYP.cardDetails),
  };
  return {
    payload: await signJson(claims, input.issuerKey, PUSH_PAYLOAD_TYP),
    region,
    last4: claims.card.last4,
    jti,
    expiresAt: new Date(claims.exp * 1000),
    encryptedTo: encryptionKey.kid,
  };
}

/**
 * Reads a push payload's claims without verifying them: the wallet cannot (the issuer's key is
 * the owning region's to trust) and needs only the routing facts, which the provisioning message
 * shows in clear anyway. The card details stay sealed. Anything not shaped like a push payload is
 * `PUSH_PAYLOAD_INVALID`, before a request is sent.
 */
export function readPushPayload(payload: string): PushPayloadClaims {
  let claims: unknown;
  try {
    claims = decodeJwt(payload.trim());
  } catch (cause) {
    throw new DomicileError('PUSH_PAYLOAD_INVALID', { cause });
  }
  if (!Value.Check(PushPayloadClaims, claims))
    throw new DomicileError('PUSH_PAYLOAD_INVALID', { cause: 'claims schema' });
  return claims;
}
