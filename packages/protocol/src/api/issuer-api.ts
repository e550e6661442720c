import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { IdSchema, Last4Schema, NetworkSchema, Sha256Schema, TimestampSchema } from './common.js';
import { CardArtSpec, LifecycleActor, LifecycleReason } from './lifecycle.js';
import { CredentialState } from './provisioning.js';

/**
 * The issuer API of a region (`/v1/issuer/...`) and the webhooks a region sends to issuers.
 *
 * Authentication is by issuer credentials, never device credentials: the region's configuration
 * lists each trusted issuer with its public signing key and its card products. Every request body
 * is `{ "request": "<compact JWS>" }`, an ES256 JWS by the issuer's key (`kid` = the key's RFC 7638
 * thumbprint, `typ` {@link ISSUER_API_TYP}) over {@link IssuerRequestClaims}: the issuer id, the
 * region as audience, `iat`, a single-use `jti`, the method and path it is for, and the operation's
 * body. A signed body travels whole, so nothing outside the signature is read. An issuer may act
 * only on tokens of its own products. A retry is a new request (new `jti`); the operations are
 * idempotent, so a retry never changes more than the first attempt did.
 */
export const ISSUER_API_TYP = 'domicile-issuer-api+jws';
/** How far an issuer request's `iat` may stray from the region's clock. */
export const ISSUER_API_MAX_AGE_SECONDS = 300;

/** An issuer's id in region configuration, and a card product's id. */
export const IssuerIdSchema = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
export const ProductIdSchema = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

export const IssuerRequestBody = Type.Object(
  {
    request: Type.String({ minLength: 1, maxLength: 16_384, contentMediaType: 'application/jose' }),
  },
  { additionalProperties: false },
);

export const IssuerRequestClaims = Type.Object({
  iss: IssuerIdSchema,
  aud: RegionIdSchema,
  iat: Type.Integer(),
  jti: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  /**
   * The HTTP method and path the request is for: a signature for one operation is worthless for
   * another. The path has no query, but for `GET`, whose query is its whole request: then the
   * path with the query exactly as sent.
   */
  method: Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('GET')]),
  path: Type.String({ pattern: '^/v1/issuer/', maxLength: 1024 }),
  /** The operation's body ({@link IssuerLifecycleBody} or {@link IssuerArtBody}). */
  body: Type.Unknown(),
});

/** `POST /v1/issuer/credentials/{tokenRef}/suspend|resume|delete`: the signed body. */
export const IssuerLifecycleBody = Type.Object(
  { reason: LifecycleReason },
  { additionalProperties: false },
);

/**
 * `PUT /v1/issuer/products/{productId}/art`: the signed body. The region renders the art (it never
 * stores issuer-supplied markup) and pushes `credential.art.updated` to every device holding a
 * live token of the product.
 */
export const IssuerArtBody = Type.Object({ art: CardArtSpec }, { additionalProperties: false });

/** A token as its issuer sees it: never the token number, never the card number. */
export const IssuerCredentialView = Type.Object({
  tokenRef: IdSchema,
  region: RegionIdSchema,
  productId: ProductIdSchema,
  network: NetworkSchema,
  last4: Last4Schema,
  tokenLast4: Last4Schema,
  state: CredentialState,
  updatedAt: TimestampSchema,
});

export const IssuerCredentialResponse = Type.Object({
  credential: IssuerCredentialView,
  /** False when the token already was in the asked state (the request changed nothing). */
  changed: Type.Boolean(),
});

export const IssuerArtResponse = Type.Object({
  productId: ProductIdSchema,
  /** Live tokens whose art changed (each device got a push notification). */
  updated: Type.Integer({ minimum: 0 }),
  art: Type.Array(Type.Object({ network: NetworkSchema, assetId: IdSchema, sha256: Sha256Schema })),
});

/**
 * Webhooks: `POST {webhookUrl}` with `Content-Type: application/jose`, header
 * {@link WEBHOOK_EVENT_ID_HEADER}, body a compact JWS by the region's signing key (in the signed
 * directory; `typ` {@link WEBHOOK_TYP}) over {@link WebhookClaims}. A `2xx` answer means delivered;
 * anything else, or no answer in time, is retried with capped exponential backoff, so an event may
 * arrive more than once: de-duplicate on `event.id`.
 */
export const WEBHOOK_TYP = 'domicile-webhook+jws';
export const WEBHOOK_EVENT_ID_HEADER = 'domicile-event-id';

export const WebhookEventType = Type.Union([
  Type.Literal('token.created'),
  Type.Literal('token.suspended'),
  Type.Literal('token.resumed'),
  Type.Literal('token.deleted'),
  /** The issuer replaced the card behind the token (`last4` is the new card's). */
  Type.Literal('token.reissued'),
]);

export const WebhookEvent = Type.Object({
  id: IdSchema,
  type: WebhookEventType,
  region: RegionIdSchema,
  issuer: IssuerIdSchema,
  createdAt: TimestampSchema,
  token: Type.Object({
    tokenRef: IdSchema,
    productId: ProductIdSchema,
    network: NetworkSchema,
    last4: Last4Schema,
    tokenLast4: Last4Schema,
    state: CredentialState,
  }),
  /** Lifecycle events: who changed the state, and why. */
  actor: Type.Optional(LifecycleActor),
  reason: Type.Optional(LifecycleReason),
});

export const WebhookClaims = Type.Object({
  iss: RegionIdSchema,
  aud: IssuerIdSchema,
  /** When this delivery attempt was signed. */
  iat: Type.Integer(),
  event: WebhookEvent,
});

export type IssuerRequestBody = Static<typeof IssuerRequestBody>;
export type IssuerRequestClaims = Static<typeof IssuerRequestClaims>;
export type IssuerLifecycleBody = Static<typeof IssuerLifecycleBody>;
export type IssuerArtBody = Static<typeof IssuerArtBody>;
export type IssuerCredentialView = Static<typeof IssuerCredentialView>;
export type IssuerCredentialResponse = Static<typeof IssuerCredentialResponse>;
export type IssuerArtResponse = Static<typeof IssuerArtResponse>;
export type WebhookEventType = Static<typeof WebhookEventType>;
export type WebhookEvent = Static<typeof WebhookEvent>;
export type WebhookClaims = Static<typeof WebhookClaims>;
