import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { Last4Schema, NetworkSchema, RoutingPrefixSchema } from './common.js';
import { IssuerIdSchema } from './issuer-api.js';

/** The `typ` of a push payload: no other signed object of an issuer passes for one. */
export const PUSH_PAYLOAD_TYP = 'domicile-push-payload+jwt';
/** How long an issuer's backend makes a push payload live by default: the user taps, then adds. */
export const PUSH_PAYLOAD_LIFETIME_SECONDS = 300;
/** The longest life a region accepts (`exp - iat`): "short-lived" is the region's rule, not the issuer's. */
export const PUSH_PAYLOAD_MAX_LIFETIME_SECONDS = 600;

/**
 * Claims of a push payload (docs/protocol.md "Cards pushed from the issuer's app"): a JWT the
 * issuer signs with its issuer API key, for the region that owns the card (`aud`), bound to one
 * wallet's device key (`cnf.jkt`, RFC 7800), short-lived and single use (`jti`). `cardDetails` is
 * the card-details JWE to the owning region's encryption key, so the wallet carries the card
 * without being able to read it. `card` repeats what any provisioning message shows in clear —
 * routing prefix, last 4, network — so the wallet can route the card without opening anything.
 */
export const PushPayloadClaims = Type.Object(
  {
    iss: IssuerIdSchema,
    aud: RegionIdSchema,
    jti: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
    iat: Type.Integer(),
    exp: Type.Integer(),
    cnf: Type.Object(
      { jkt: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) },
      { additionalProperties: false },
    ),
    card: Type.Object(
      { routingPrefix: RoutingPrefixSchema, last4: Last4Schema, network: NetworkSchema },
      { additionalProperties: false },
    ),
    cardDetails: Type.String({ minLength: 32, maxLength: 8192 }),
  },
  { additionalProperties: false },
);

/** `POST /v1/provisioning/{sessionId}/push-payload`: the issuer's push payload, as the wallet got it. */
export const PushPayloadRequest = Type.Object(
  {
    pushPayload: Type.String({
      minLength: 64,
      maxLength: 16_384,
      contentMediaType: 'application/jwt',
    }),
  },
  { additionalProperties: false },
);

export type PushPayloadClaims = Static<typeof PushPayloadClaims>;
export type PushPayloadRequest = Static<typeof PushPayloadRequest>;
