import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { ERROR_CODES } from '../errors/index.js';
import { ExpirySchema, IdSchema, Last4Schema, NetworkSchema, TimestampSchema } from './common.js';
import { IssuerIdSchema, ProductIdSchema } from './issuer-api.js';
import { LifecycleReason } from './lifecycle.js';
import { CredentialState } from './provisioning.js';

/**
 * Reissue and token look-ups: the issuer replaces the card behind a token, lists and reads its own
 * tokens; an operator lists one device's tokens in every region (region-to-region requests).
 */

/**
 * What the reissue's `card` JWE decrypts to (`typ` domicile-reissued-card+jwe, encrypted to the
 * region's encryption key from the directory, as a device encrypts card details). No CVV: the
 * issuer vouches for its own card. Never stored or logged in clear.
 */
export const ReissuedCard = Type.Object(
  {
    pan: Type.String({ pattern: '^\\d{13,19}$' }),
    expiry: ExpirySchema,
    name: Type.String({ minLength: 1, maxLength: 120 }),
  },
  { additionalProperties: false },
);

/**
 * `POST /v1/issuer/credentials/{tokenRef}/reissue`: the signed body. Needs an `Idempotency-Key`
 * header; a retry with the same key and card (encrypted anew or not) gets the first answer.
 */
export const IssuerReissueBody = Type.Object(
  {
    card: Type.String({ minLength: 1, maxLength: 4096, contentMediaType: 'application/jose' }),
    reason: Type.Optional(LifecycleReason),
  },
  { additionalProperties: false },
);

// A genuine use only: a bad cryptogram or a replayed ATC can be sent by anyone who knows the token
// number.
const LastUsedAtSchema = Type.String({
  format: 'date-time',
  description:
    'The last authorization in this region whose cryptogram verified and claimed a new ATC ' +
    '(approved or declined after it); a bad cryptogram or a replayed ATC does not count',
});

/** A token as its issuer reads it: never the card number or the token number, last 4 of each. */
export const IssuerTokenView = Type.Object({
  tokenRef: IdSchema,
  region: RegionIdSchema,
  productId: ProductIdSchema,
  network: NetworkSchema,
  last4: Last4Schema,
  tokenLast4: Last4Schema,
  state: CredentialState,
  /** The device the token is bound to, by the id this region gave it. */
  deviceId: IdSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  lastUsedAt: Type.Optional(LastUsedAtSchema),
});

export const IssuerReissueResponse = Type.Object({
  credential: IssuerTokenView,
  /** False when the token already was behind this card and expiry (nothing was replaced). */
  changed: Type.Boolean(),
});

/** Page sizes of the look-ups. */
export const TOKEN_PAGE_LIMIT = { default: 50, max: 200 } as const;

/** An opaque cursor: where the previous page ended. */
export const CursorSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,256}$' });

/**
 * `GET /v1/issuer/credentials`: filters (all optional) and the page, as query parameters (strings:
 * `limit` is 1 to {@link TOKEN_PAGE_LIMIT}.max, default {@link TOKEN_PAGE_LIMIT}.default).
 */
export const IssuerTokenQuery = Type.Object(
  {
    productId: Type.Optional(ProductIdSchema),
    state: Type.Optional(CredentialState),
    last4: Type.Optional(Last4Schema),
    deviceId: Type.Optional(IdSchema),
    cursor: Type.Optional(CursorSchema),
    limit: Type.Optional(Type.String({ pattern: '^([1-9]\\d?|1\\d\\d|200)$' })),
  },
  { additionalProperties: false },
);

/** Oldest first (creation time, then token reference); `nextCursor` while more follow. */
export const IssuerTokenListResponse = Type.Object({
  credentials: Type.Array(IssuerTokenView),
  nextCursor: Type.Optional(CursorSchema),
});

export const IssuerTokenResponse = Type.Object({ credential: IssuerTokenView });

/** `typ` of a device-tokens request between regions, and of its signed answer. */
export const DEVICE_TOKENS_REQUEST_TYP = 'domicile-device-tokens-request+jws';
export const DEVICE_TOKENS_ANSWER_TYP = 'domicile-device-tokens-answer+jws';

const JtiSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' });

/** Claims of `POST /v1/regions/device-tokens`: which tokens the guest `pseudonym` holds on device `deviceJkt`. */
export const DeviceTokensRequestClaims = Type.Object({
  iss: RegionIdSchema,
  aud: RegionIdSchema,
  iat: Type.Integer(),
  exp: Type.Integer(),
  jti: JtiSchema,
  pseudonym: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  deviceJkt: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
});

/** One token as an operator sees it: the same masking as the issuer's view, and its issuer. */
export const SupportTokenView = Type.Object({
  tokenRef: IdSchema,
  region: RegionIdSchema,
  productId: ProductIdSchema,
  issuer: Type.Optional(IssuerIdSchema),
  network: NetworkSchema,
  last4: Last4Schema,
  tokenLast4: Last4Schema,
  state: CredentialState,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  lastUsedAt: Type.Optional(LastUsedAtSchema),
});

/** Claims of the answer: bound to the request by `requestJti`. */
export const DeviceTokensAnswerClaims = Type.Object({
  iss: RegionIdSchema,
  aud: RegionIdSchema,
  iat: Type.Integer(),
  jti: JtiSchema,
  requestJti: JtiSchema,
  tokens: Type.Array(SupportTokenView, { maxItems: 1000 }),
});

export const DeviceTokensAnswerResponse = Type.Object({
  answer: Type.String({ contentMediaType: 'application/jose' }),
});

/** One region's part of a device's tokens: listed, or why not (the others are still shown). */
export const DeviceTokensRegion = Type.Object({
  region: RegionIdSchema,
  status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
  tokens: Type.Array(SupportTokenView),
  /** When failed: the error code (docs/errors.md). */
  error: Type.Optional(Type.Union(Object.keys(ERROR_CODES).map((c) => Type.Literal(c)))),
});

/** `GET /v1/support/devices/{deviceId}/tokens`, at the device's home region. */
export const DeviceTokensResponse = Type.Object({
  deviceId: IdSchema,
  /** The home region first, then every other region of the account's residency index. */
  regions: Type.Array(DeviceTokensRegion),
  /** True when every region answered. */
  complete: Type.Boolean(),
});

export type ReissuedCard = Static<typeof ReissuedCard>;
export type IssuerReissueBody = Static<typeof IssuerReissueBody>;
export type IssuerTokenView = Static<typeof IssuerTokenView>;
export type IssuerReissueResponse = Static<typeof IssuerReissueResponse>;
export type IssuerTokenQuery = Static<typeof IssuerTokenQuery>;
export type IssuerTokenListResponse = Static<typeof IssuerTokenListResponse>;
export type IssuerTokenResponse = Static<typeof IssuerTokenResponse>;
export type DeviceTokensRequestClaims = Static<typeof DeviceTokensRequestClaims>;
export type SupportTokenView = Static<typeof SupportTokenView>;
export type DeviceTokensAnswerClaims = Static<typeof DeviceTokensAnswerClaims>;
export type DeviceTokensAnswerResponse = Static<typeof DeviceTokensAnswerResponse>;
export type DeviceTokensRegion = Static<typeof DeviceTokensRegion>;
export type DeviceTokensResponse = Static<typeof DeviceTokensResponse>;
