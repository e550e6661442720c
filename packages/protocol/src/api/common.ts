import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES } from '../errors/index.js';
import { registerSchemaFormats } from './formats.js';

registerSchemaFormats();

/** Header names of the device protocol. */
export const HEADERS = {
  dpop: 'dpop',
  idempotencyKey: 'idempotency-key',
  lastEventId: 'last-event-id',
  /** Issuer API `GET` requests: the signed request a `POST` carries in its body (docs/protocol.md). */
  issuerRequest: 'domicile-issuer-request',
} as const;

export const IdempotencyKeySchema = Type.String({ pattern: '^[A-Za-z0-9_-]{16,128}$' });
export const Last4Schema = Type.String({ pattern: '^\\d{4}$' });
export const RoutingPrefixSchema = Type.String({ pattern: '^\\d{6,8}$' });
export const NetworkSchema = Type.Union([
  Type.Literal('visa'),
  Type.Literal('mastercard'),
  Type.Literal('unionpay'),
  Type.Literal('amex'),
]);
export const IdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });
/** SHA-256 as base64url (43 characters): how hashes of assets and scripts travel. */
export const Sha256Schema = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
/** A JWK thumbprint (RFC 7638): the base64url SHA-256 of a device signing key, 43 characters. */
export const JktSchema = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description: 'JWK thumbprint (RFC 7638, SHA-256, base64url) of the device signing key',
});
export const TimestampSchema = Type.String({ format: 'date-time' });
export const ExpirySchema = Type.Object(
  {
    month: Type.Integer({ minimum: 1, maximum: 12 }),
    year: Type.Integer({ minimum: 2000, maximum: 2099 }),
  },
  { additionalProperties: false },
);

export const ErrorBodySchema = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ERROR_CODES).map((c) => Type.Literal(c))),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

export type Expiry = Static<typeof ExpirySchema>;
