import { Type, type Static } from '@sinclair/typebox';
import { PublicJwkSchema, RegionIdSchema, api } from '@domicile/protocol';
import { SecureElementState } from './secure-element/index.js';

/** The account this device registered in its home region. */
export const WalletAccount = Type.Object({
  accountId: api.IdSchema,
  deviceId: api.IdSchema,
  region: RegionIdSchema,
  registeredAt: Type.String(),
});

/** A guest account another region opened for this device after a redirect (ids when the region told them). */
export const GuestRegistration = Type.Object({
  since: Type.String(),
  accountId: Type.Optional(api.IdSchema),
  deviceId: Type.Optional(api.IdSchema),
});

/** A join request this device made, until the device is on the account. */
export const PendingJoin = Type.Object({
  id: api.IdSchema,
  accountId: api.IdSchema,
  method: api.JoinMethod,
  expiresAt: Type.String(),
});

/** Everything the wallet remembers, as it is kept inside the encrypted wallet file. */
export const WalletState = Type.Object({
  version: Type.Literal(1),
  createdAt: Type.String(),
  secureElement: SecureElementState,
  /**
   * The directory authority's public key, pinned when the wallet was created; moved only by a
   * directory signed by the pinned key and the new one (an authority rotation).
   */
  authorityKey: PublicJwkSchema,
  /** The last directory JWS that verified with the pinned key. */
  directory: Type.String(),
  /** When the directory was last fetched (seconds since the epoch), for scheduled refreshes. */
  directoryCheckedAt: Type.Optional(Type.Integer({ minimum: 0 })),
  homeRegion: RegionIdSchema,
  account: Type.Optional(WalletAccount),
  /** A join request in progress (`device join`), until it is approved. */
  join: Type.Optional(PendingJoin),
  guests: Type.Record(RegionIdSchema, GuestRegistration),
  /** Per region: the id of the last push notification handled. */
  cursors: Type.Record(RegionIdSchema, Type.Integer({ minimum: 0 })),
});

export type WalletAccount = Static<typeof WalletAccount>;
export type PendingJoin = Static<typeof PendingJoin>;
export type GuestRegistration = Static<typeof GuestRegistration>;
export type WalletState = Static<typeof WalletState>;
