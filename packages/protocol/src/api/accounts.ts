import { Type, type Static } from '@sinclair/typebox';
import { PublicJwkSchema, RegionIdSchema } from '../directory/index.js';
import { IdSchema, TimestampSchema } from './common.js';

/**
 * `POST /v1/accounts` — registers a user in their home region together with the device that asks.
 * The device's signing key is the key of the request's DPoP proof; its encryption key is in the body.
 */
export const RegisterAccountRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    device: Type.Object(
      {
        encryptionKey: PublicJwkSchema,
        model: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const RegisterAccountResponse = Type.Object({
  accountId: IdSchema,
  deviceId: IdSchema,
  region: RegionIdSchema,
  registeredAt: TimestampSchema,
});

/** `GET /v1/accounts/me` — the account the calling device belongs to, as this region sees it. */
export const AccountView = Type.Object({
  accountId: IdSchema,
  deviceId: IdSchema,
  region: RegionIdSchema,
  kind: Type.Union([Type.Literal('registered'), Type.Literal('guest')]),
  homeRegion: RegionIdSchema,
  registeredAt: TimestampSchema,
  activeCredentials: Type.Integer({ minimum: 0 }),
});

export type RegisterAccountRequest = Static<typeof RegisterAccountRequest>;
export type RegisterAccountResponse = Static<typeof RegisterAccountResponse>;
export type AccountView = Static<typeof AccountView>;
