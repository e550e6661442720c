import { Type, type Static } from '@sinclair/typebox';
import { api } from '@domicile/protocol';

/**
 * The wire format between a region and a real issuer (`HttpIssuerGateway`). Small on purpose:
 *
 * Request: `POST {baseUrl}/{operation}`, `Content-Type: application/jose`, the body one compact
 * JWS (ES256, `typ` {@link ISSUER_REQUEST_TYP}, `kid` the region's signing key, which the issuer
 * finds in the region directory) over an {@link IssuerRequestEnvelope}. The issuer verifies it and
 * may reject a replayed `jti`.
 *
 * Response: JSON.
 * - `200` with the operation's body ({@link IssuerResponses}); `200`/`202`/`204`, any body, for
 *   `card-details/verify` and `idv/deliver`.
 * - `4xx` with `{ "error": "card_not_supported" }` or `{ "error": "card_details_invalid" }`:
 *   the region answers `CARD_NOT_SUPPORTED` / `CARD_DETAILS_INVALID` (to an `authorizations`
 *   request: a `do_not_honor` decline).
 * - Anything else (other `4xx`, `5xx`, a body that does not match, a timeout, a network failure):
 *   `ISSUER_UNAVAILABLE`.
 */
export const ISSUER_REQUEST_TYP = 'domicile-issuer-request+jws';

/** The operations, as URL paths under the issuer's base URL. */
export const ISSUER_OPERATIONS = {
  eligibility: 'eligibility',
  verifyCardDetails: 'card-details/verify',
  idvMethods: 'idv/methods',
  deliverCode: 'idv/deliver',
  /** Payments: the card (de-tokenized in the region), amount and merchant; a decline is a 200 answer. */
  authorize: 'authorizations',
} as const;

export type IssuerOperation = (typeof ISSUER_OPERATIONS)[keyof typeof ISSUER_OPERATIONS];

/** The signed payload of every request: who asks, for which operation, when, and what. */
export interface IssuerRequestEnvelope {
  /** The region asking. */
  readonly iss: string;
  /** The issuer's base URL: a request signed for one issuer is worthless at another. */
  readonly aud: string;
  readonly op: IssuerOperation;
  readonly iat: number;
  readonly jti: string;
  readonly request: unknown;
}

export const CardProductSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  issuerName: Type.String({ minLength: 1, maxLength: 120 }),
  phone: Type.String({ maxLength: 64 }),
  email: Type.String({ maxLength: 254 }),
  website: Type.String({ maxLength: 2048 }),
  termsUrl: Type.String({ maxLength: 2048 }),
  terms: Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64 }),
    text: Type.String({ maxLength: 100_000 }),
  }),
  art: Type.Object({
    background: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
    foreground: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
    label: Type.String({ maxLength: 80 }),
  }),
});

/** Response bodies of the operations that return one. */
export const IssuerResponses = {
  eligibility: Type.Object({
    decision: api.Decision,
    reason: Type.Optional(Type.String({ maxLength: 200 })),
    product: CardProductSchema,
  }),
  idvMethods: Type.Object({ methods: Type.Array(api.IdvMethod, { maxItems: 10 }) }),
  authorize: Type.Union([
    Type.Object({ approved: Type.Literal(true), reason: Type.Literal('approved') }),
    Type.Object({
      approved: Type.Literal(false),
      reason: Type.Union([
        Type.Literal('insufficient_funds'),
        Type.Literal('account_closed'),
        Type.Literal('do_not_honor'),
      ]),
    }),
  ]),
};

/** The refusal body of a `4xx`. */
export const IssuerRefusal = Type.Object({
  error: Type.Union([Type.Literal('card_not_supported'), Type.Literal('card_details_invalid')]),
});

export type IssuerRefusal = Static<typeof IssuerRefusal>;
