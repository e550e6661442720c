import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema, api } from '@domicile/protocol';

/** A P-256 private JWK as the wallet file keeps it (the one place key material is serialized). */
export const PrivateJwkSchema = Type.Object({
  kty: Type.Literal('EC'),
  crv: Type.Literal('P-256'),
  x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  y: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  d: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  kid: Type.String({ minLength: 1, maxLength: 128 }),
  alg: Type.Optional(Type.String({ maxLength: 32 })),
  use: Type.Optional(Type.Union([Type.Literal('sig'), Type.Literal('enc')])),
});

export const AppletLifecycle = Type.Union([
  Type.Literal('pending_activation'),
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('deleted'),
]);

/** Card art as announced and checked: the asset id and the lowercase hex SHA-256 of its bytes. */
export const CardArt = Type.Object({
  assetId: api.IdSchema,
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});

/** One applet: a credential (token) personalised into the secure element. */
export const AppletState = Type.Object({
  tokenRef: api.IdSchema,
  region: RegionIdSchema,
  sessionId: api.IdSchema,
  network: api.NetworkSchema,
  last4: api.Last4Schema,
  /** The card's expiry, once the issuer reissued the card (the region says it then; never before). */
  cardExpiry: Type.Optional(api.ExpirySchema),
  tokenNumber: Type.String({ pattern: '^\\d{16,19}$' }),
  tokenExpiry: api.ExpirySchema,
  panSequenceNumber: Type.String({ pattern: '^[0-9A-F]{2}$' }),
  /** Absent once the applet is deleted: a deleted applet holds no key material. */
  iccMasterKey: Type.Optional(Type.String({ pattern: '^[0-9A-F]{32}$' })),
  /** The last ATC used; the next cryptogram uses atc + 1. */
  atc: Type.Integer({ minimum: 0, maximum: 65535 }),
  state: AppletLifecycle,
  installedAt: Type.String(),
  art: Type.Optional(CardArt),
  script: Type.Optional(Type.Object({ jws: Type.String(), content: api.PersonalizationScript })),
});

/** Everything the secure element holds, as persisted inside the encrypted wallet file. */
export const SecureElementState = Type.Object({
  signingKey: PrivateJwkSchema,
  encryptionKey: PrivateJwkSchema,
  applets: Type.Array(AppletState),
});

export type AppletLifecycle = Static<typeof AppletLifecycle>;
export type CardArt = Static<typeof CardArt>;
export type AppletState = Static<typeof AppletState>;
export type SecureElementState = Static<typeof SecureElementState>;
