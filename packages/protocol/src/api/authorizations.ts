import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { ExpirySchema, IdSchema, Last4Schema, TimestampSchema } from './common.js';

/** `typ` of the JWS a network router signs over each authorization it forwards to a region. */
export const AUTHORIZATION_TYP = 'domicile-authorization+jws';

/** How far a signed authorization's `iat` may stray from the region's clock, in seconds. */
export const AUTHORIZATION_MAX_SKEW_SECONDS = 60;

const hex = (bytes: number) => Type.String({ pattern: `^[0-9A-Fa-f]{${bytes * 2}}$` });

/**
 * The Visa CVN 18 data elements (EMV Book 3 Annex A), hexadecimal values as the terminal read
 * them: the ARQC covers every one, so a changed amount or date no longer verifies.
 */
export const Cvn18Elements = Type.Object(
  {
    /** Amount, authorised: n12 BCD, minor units. */
    '9F02': hex(6),
    /** Amount, other (cashback): n12 BCD. */
    '9F03': hex(6),
    /** Terminal country code: ISO 3166 numeric, n3 BCD. */
    '9F1A': hex(2),
    /** Terminal verification results. */
    '95': hex(5),
    /** Transaction currency code: ISO 4217 numeric, n3 BCD. */
    '5F2A': hex(2),
    /** Transaction date: YYMMDD BCD. */
    '9A': hex(3),
    /** Transaction type: 00 purchase. */
    '9C': hex(1),
    /** Unpredictable number from the terminal. */
    '9F37': hex(4),
    /** Application interchange profile. */
    '82': hex(2),
    /** Application transaction counter. */
    '9F36': hex(2),
    /** Issuer application data: 1 to 32 bytes. */
    '9F10': Type.String({ pattern: '^(?:[0-9A-Fa-f]{2}){1,32}$' }),
  },
  { additionalProperties: false },
);

/** Where the cryptogram was made: at a contactless terminal, or inside a merchant's app. */
export const AuthorizationChannel = Type.Union([Type.Literal('in_store'), Type.Literal('in_app')]);

export const Merchant = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

/**
 * `POST /v1/authorizations` at a network router: what a merchant's acquirer sends. It names the
 * token, never the card: the card number stays in the region that issued the token.
 */
export const AuthorizationRequest = Type.Object(
  {
    /**
     * The acquirer's id of this request, the same on every transmission of it (ISO 8583: what
     * field 11, the STAN, with field 7 and the acquirer's institution id, field 32, make unique).
     * A resend with the same id and the same content gets the decision recorded for the first
     * transmission; without an id every request is a new one.
     */
    requestId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{8,64}$' })),
    tokenNumber: Type.String({ pattern: '^\\d{16,19}$' }),
    tokenExpiry: ExpirySchema,
    /** PAN sequence number (5F34), two digits. */
    panSequenceNumber: Type.String({ pattern: '^\\d{2}$' }),
    /** Cryptogram version number: only Visa CVN 18. */
    cvn: Type.Literal(18),
    /** The ARQC (9F26). */
    arqc: hex(8),
    emv: Cvn18Elements,
    channel: AuthorizationChannel,
    merchant: Merchant,
  },
  { additionalProperties: false },
);

/**
 * Why an authorization was approved or declined: stable codes a caller can switch on. Declines
 * are answers (HTTP 200), not errors.
 */
export const AuthorizationReason = Type.Union([
  Type.Literal('approved'),
  Type.Literal('insufficient_funds'),
  Type.Literal('account_closed'),
  Type.Literal('do_not_honor'),
  Type.Literal('issuer_unavailable'),
  Type.Literal('token_suspended'),
  Type.Literal('token_deleted'),
  Type.Literal('token_not_active'),
  Type.Literal('token_expired'),
  Type.Literal('token_data_mismatch'),
  Type.Literal('cryptogram_invalid'),
  Type.Literal('atc_replayed'),
  Type.Literal('domain_mismatch'),
]);

/** An amount in minor units of an ISO 4217 numeric currency. */
export const Amount = Type.Object({
  minor: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^\\d{3}$' }),
});

/** The answer to an authorization, from the region that issued the token, through the router. */
export const AuthorizationResponse = Type.Object({
  authorizationId: IdSchema,
  region: RegionIdSchema,
  approved: Type.Boolean(),
  reason: AuthorizationReason,
  /** Authorisation response code (8A, ISO 8583 field 39): '00' approved. */
  responseCode: Type.String({ pattern: '^[0-9A-Z]{2}$' }),
  tokenLast4: Last4Schema,
  atc: Type.Integer({ minimum: 0, maximum: 65535 }),
  amount: Amount,
  /** ARPC method 2 (EMV Book 2 8.2.2) and its Card Status Update; absent when the ARQC failed. */
  arpc: Type.Optional(hex(4)),
  csu: Type.Optional(hex(4)),
  createdAt: TimestampSchema,
});

/** The payload of the router's JWS to a region (`typ` {@link AUTHORIZATION_TYP}). */
export const NetworkAuthorizationClaims = Type.Object({
  /** The network id, as the directory lists it. */
  iss: Type.String({ minLength: 2, maxLength: 32 }),
  /** The region id the request is for. */
  aud: RegionIdSchema,
  iat: Type.Integer(),
  jti: Type.String({ pattern: '^[A-Za-z0-9_-]{16,128}$' }),
  request: AuthorizationRequest,
});

/** `POST /v1/authorizations` at a region: the router's signed request. */
export const SignedAuthorization = Type.Object(
  {
    authorization: Type.String({
      minLength: 32,
      maxLength: 16_384,
      contentMediaType: 'application/jose',
    }),
  },
  { additionalProperties: false },
);

/** One authorization as the device that made the cryptogram sees it. */
export const TransactionView = Type.Object({
  authorizationId: IdSchema,
  tokenRef: IdSchema,
  region: RegionIdSchema,
  last4: Last4Schema,
  tokenLast4: Last4Schema,
  approved: Type.Boolean(),
  reason: AuthorizationReason,
  amount: Amount,
  merchant: Merchant,
  channel: AuthorizationChannel,
  atc: Type.Integer({ minimum: 0, maximum: 65535 }),
  createdAt: TimestampSchema,
});

/** `GET /v1/transactions` — the calling device's authorizations in this region, newest first. */
export const TransactionListResponse = Type.Object({ transactions: Type.Array(TransactionView) });

export type Cvn18Elements = Static<typeof Cvn18Elements>;
export type AuthorizationChannel = Static<typeof AuthorizationChannel>;
export type Merchant = Static<typeof Merchant>;
export type AuthorizationRequest = Static<typeof AuthorizationRequest>;
export type AuthorizationReason = Static<typeof AuthorizationReason>;
export type Amount = Static<typeof Amount>;
export type AuthorizationResponse = Static<typeof AuthorizationResponse>;
export type NetworkAuthorizationClaims = Static<typeof NetworkAuthorizationClaims>;
export type SignedAuthorization = Static<typeof SignedAuthorization>;
export type TransactionView = Static<typeof TransactionView>;
export type TransactionListResponse = Static<typeof TransactionListResponse>;
