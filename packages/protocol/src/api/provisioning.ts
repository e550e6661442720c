import { Type, type Static } from '@sinclair/typebox';
import { PublicJwkSchema, RegionIdSchema } from '../directory/index.js';
import {
  ExpirySchema,
  IdSchema,
  JktSchema,
  Last4Schema,
  NetworkSchema,
  RoutingPrefixSchema,
  TimestampSchema,
} from './common.js';

/**
 * `POST /v1/provisioning` — the provisioning message. Sent first to the home region; sent again,
 * unchanged but for `redirectAssertion`, to the region the home region redirects to.
 */
export const ProvisioningMessage = Type.Object(
  {
    routingPrefix: RoutingPrefixSchema,
    last4: Last4Schema,
    network: NetworkSchema,
    device: Type.Object({ encryptionKey: PublicJwkSchema }, { additionalProperties: false }),
    redirectAssertion: Type.Optional(
      Type.String({ minLength: 16, maxLength: 8192, contentMediaType: 'application/jose' }),
    ),
  },
  { additionalProperties: false },
);

export const SessionState = Type.Union([
  Type.Literal('created'), // message accepted; eligibility next
  Type.Literal('eligible'), // green or yellow; terms next
  Type.Literal('declined'), // red: final
  Type.Literal('terms_accepted'), // card details next
  Type.Literal('idv_required'), // yellow: choose an ID&V method
  Type.Literal('idv_pending'), // code sent; verify next
  Type.Literal('idv_locked'), // too many wrong codes: final
  Type.Literal('ready'), // tokenize next
  Type.Literal('tokenized'), // final: provisioning data was issued
]);

export const Decision = Type.Union([
  Type.Literal('green'),
  Type.Literal('yellow'),
  Type.Literal('red'),
]);

export const TermsView = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  text: Type.String(),
  /** SHA-256 of the text, base64url: the device accepts exactly this. */
  hash: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
});

export const IdvMethod = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 32 }),
  kind: Type.Union([
    Type.Literal('otp_sms'),
    Type.Literal('otp_email'),
    Type.Literal('issuer_app'),
  ]),
  /** Masked destination (`•••• 0199`, `j•••@example.com`). */
  target: Type.String(),
});

export const SessionView = Type.Object({
  id: IdSchema,
  region: RegionIdSchema,
  state: SessionState,
  expiresAt: TimestampSchema,
  last4: Last4Schema,
  network: NetworkSchema,
  decision: Type.Optional(Decision),
  reason: Type.Optional(Type.String()),
  idvMethods: Type.Optional(Type.Array(IdvMethod)),
  idvTriesLeft: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const ProvisioningMessageResponse = Type.Union([
  Type.Object({
    outcome: Type.Literal('redirect'),
    redirect: Type.Object({
      region: RegionIdSchema,
      baseUrl: Type.String(),
      assertion: Type.String({ contentMediaType: 'application/jose' }),
      expiresAt: TimestampSchema,
    }),
  }),
  Type.Object({ outcome: Type.Literal('session'), session: SessionView }),
]);

/** `POST /v1/provisioning/{sessionId}/eligibility` (empty body). */
export const EligibilityResponse = Type.Object({
  session: SessionView,
  terms: Type.Optional(TermsView),
});

/** `POST /v1/provisioning/{sessionId}/terms` */
export const AcceptTermsRequest = Type.Object(
  {
    termsId: Type.String({ minLength: 1, maxLength: 64 }),
    hash: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    accepted: Type.Literal(true),
  },
  { additionalProperties: false },
);

/** `POST /v1/provisioning/{sessionId}/card`: card details as a JWE to this region's encryption key. */
export const CardDetailsRequest = Type.Object(
  {
    cardDetails: Type.String({
      minLength: 32,
      maxLength: 8192,
      contentMediaType: 'application/jose',
    }),
  },
  { additionalProperties: false },
);

/** What the card-details JWE decrypts to. Never stored or logged in clear. */
export const CardDetails = Type.Object(
  {
    pan: Type.String({ pattern: '^\\d{13,19}$' }),
    expiry: ExpirySchema,
    cvv: Type.String({ pattern: '^\\d{3,4}$' }),
    name: Type.String({ minLength: 1, maxLength: 120 }),
  },
  { additionalProperties: false },
);

/** `POST /v1/provisioning/{sessionId}/idv`: choose a method; a code is sent. */
export const SelectIdvRequest = Type.Object(
  {
    method: Type.String({ minLength: 1, maxLength: 32 }),
  },
  { additionalProperties: false },
);

/** `POST /v1/provisioning/{sessionId}/idv/verify` */
export const VerifyIdvRequest = Type.Object(
  {
    code: Type.String({ pattern: '^\\d{6}$' }),
  },
  { additionalProperties: false },
);

export const SessionResponse = Type.Object({ session: SessionView });

export const CredentialState = Type.Union([
  Type.Literal('pending_activation'),
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('deleted'),
]);

export const CredentialView = Type.Object({
  tokenRef: IdSchema,
  region: RegionIdSchema,
  network: NetworkSchema,
  last4: Last4Schema,
  tokenLast4: Last4Schema,
  state: CredentialState,
  createdAt: TimestampSchema,
});

/** `POST /v1/provisioning/{sessionId}/tokenize` (empty body). */
export const TokenizeResponse = Type.Object({
  session: SessionView,
  credential: CredentialView,
  /** JWE to the device's encryption key, wrapping a JWS by the region's signing key. */
  provisioningData: Type.String({ contentMediaType: 'application/jose' }),
});

/** The signed payload inside the provisioning data: what the secure element's applet holds. */
export const ProvisioningPayload = Type.Object({
  region: RegionIdSchema,
  sessionId: IdSchema,
  tokenRef: IdSchema,
  tokenNumber: Type.String({ pattern: '^\\d{16,19}$' }),
  tokenExpiry: ExpirySchema,
  panSequenceNumber: Type.String({ pattern: '^[0-9A-F]{2}$' }),
  /** ICC master key for the token (EMV option A), 16 bytes hex; the applet derives session keys from it. */
  iccMasterKey: Type.String({ pattern: '^[0-9A-F]{32}$' }),
  atcStart: Type.Integer({ minimum: 0, maximum: 65535 }),
  network: NetworkSchema,
  last4: Last4Schema,
  /** Thumbprint of the device key the data is bound to. */
  deviceJkt: JktSchema,
  issuedAt: Type.Integer(),
});

export type ProvisioningMessage = Static<typeof ProvisioningMessage>;
export type ProvisioningMessageResponse = Static<typeof ProvisioningMessageResponse>;
export type SessionState = Static<typeof SessionState>;
export type Decision = Static<typeof Decision>;
export type TermsView = Static<typeof TermsView>;
export type IdvMethod = Static<typeof IdvMethod>;
export type SessionView = Static<typeof SessionView>;
export type EligibilityResponse = Static<typeof EligibilityResponse>;
export type AcceptTermsRequest = Static<typeof AcceptTermsRequest>;
export type CardDetailsRequest = Static<typeof CardDetailsRequest>;
export type CardDetails = Static<typeof CardDetails>;
export type SelectIdvRequest = Static<typeof SelectIdvRequest>;
export type VerifyIdvRequest = Static<typeof VerifyIdvRequest>;
export type SessionResponse = Static<typeof SessionResponse>;
export type CredentialState = Static<typeof CredentialState>;
export type CredentialView = Static<typeof CredentialView>;
export type TokenizeResponse = Static<typeof TokenizeResponse>;
export type ProvisioningPayload = Static<typeof ProvisioningPayload>;
