import { Type, type Static } from '@sinclair/typebox';
import { PublicJwkSchema, RegionIdSchema } from '../directory/index.js';
import { IdSchema, JktSchema, TimestampSchema } from './common.js';
import { LostReportView } from './lost-device.js';
import { CredentialView } from './provisioning.js';

/**
 * Several devices per account. A new device joins an account in its home region with a join
 * request, completed either by a signed approval from a device already on the account or by a
 * one-time code sent to the account's contact. Each device keeps its own keys and gets its own
 * token per card.
 */

/** `typ` of a device approval: a compact JWS by the approving device's own (DPoP) key. */
export const DEVICE_APPROVAL_TYP = 'domicile-device-approval+jws';
/** How long a join request can be completed. */
export const JOIN_REQUEST_LIFETIME_SECONDS = 600;
/** Longest life of a device approval: it is made while the user looks at both screens. */
export const DEVICE_APPROVAL_MAX_AGE_SECONDS = 300;
/** Wrong one-time codes a join request by code allows before it locks. */
export const JOIN_CODE_TRIES = 3;

export const JoinMethod = Type.Union([Type.Literal('approval'), Type.Literal('code')]);

/**
 * `POST /v1/accounts/join` — the calling device (its DPoP key) asks to join an account of this
 * home region; the encryption key is the one its provisioning data will be encrypted to.
 */
export const JoinRequestBody = Type.Object(
  {
    accountId: IdSchema,
    method: JoinMethod,
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

export const JoinRequestState = Type.Union([
  Type.Literal('pending'),
  /** The device joined the account (approved by a device, or by the right code). */
  Type.Literal('approved'),
  Type.Literal('refused'),
  /** Too many wrong codes. */
  Type.Literal('locked'),
  Type.Literal('expired'),
]);

export const JoinRequestView = Type.Object({
  id: IdSchema,
  accountId: IdSchema,
  method: JoinMethod,
  /** RFC 7638 thumbprint of the joining device's key: what an approval is bound to. */
  deviceJkt: JktSchema,
  model: Type.Optional(Type.String()),
  state: JoinRequestState,
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
  /** Once approved: the new device's id in the account. */
  deviceId: Type.Optional(IdSchema),
  /** Method `code`, while pending: the tries left. */
  triesLeft: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Method `code`: where the code went, masked (`j•••@example.com`). */
  sentTo: Type.Optional(Type.String()),
});

export const JoinRequestResponse = Type.Object({ joinRequest: JoinRequestView });
export const JoinRequestListResponse = Type.Object({ joinRequests: Type.Array(JoinRequestView) });

/** `POST /v1/accounts/me/join-requests/{id}/approve` — a device of the account approves. */
export const ApproveJoinBody = Type.Object(
  {
    approval: Type.String({ minLength: 1, maxLength: 4096, contentMediaType: 'application/jose' }),
  },
  { additionalProperties: false },
);

/** `POST /v1/accounts/join/{id}/verify` — the joining device proves it read the code. */
export const VerifyJoinCodeBody = Type.Object(
  { code: Type.String({ pattern: '^[0-9]{6}$' }) },
  { additionalProperties: false },
);

/**
 * Claims of a device approval, signed by the approving device's key (the key its DPoP proofs
 * carry): bound to the region, the account, the join request, the new device's key and the short
 * code both devices show, so it approves that one device and nothing else.
 */
export const DeviceApprovalClaims = Type.Object({
  /** The approving device's id. */
  iss: IdSchema,
  /** The home region. */
  aud: RegionIdSchema,
  iat: Type.Integer(),
  exp: Type.Integer(),
  accountId: IdSchema,
  joinRequestId: IdSchema,
  jkt: JktSchema,
  code: Type.String({ pattern: '^[0-9]{6}$' }),
});

export const DeviceState = Type.Union([
  Type.Literal('active'),
  Type.Literal('lost'),
  Type.Literal('removed'),
]);

/** One device of the account, as `GET /v1/accounts/me/devices` lists it. */
export const DeviceView = Type.Object({
  id: IdSchema,
  jkt: JktSchema,
  model: Type.Optional(Type.String()),
  state: DeviceState,
  addedAt: TimestampSchema,
  /** The device that asks. */
  current: Type.Boolean(),
});

export const DeviceListResponse = Type.Object({ devices: Type.Array(DeviceView) });

/**
 * `POST /v1/accounts/me/devices/{id}/remove` — the removed device, and the report that deletes
 * its tokens here and in every other region (the lost-device report, with action `delete`).
 */
export const RemoveDeviceResponse = Type.Object({ device: DeviceView, report: LostReportView });

/**
 * `GET /v1/accounts/me/credentials` — every token of the account in this region, with the device
 * that holds it: a card on two devices is two tokens.
 */
export const AccountCredentialView = Type.Composite([
  CredentialView,
  Type.Object({ deviceId: IdSchema, deviceJkt: JktSchema }),
]);
export const AccountCredentialListResponse = Type.Object({
  credentials: Type.Array(AccountCredentialView),
});

/**
 * The short code both devices show for a join request: six digits of SHA-256 over the request id
 * and the joining device's key thumbprint. The new device computes it from its own key, the
 * approving device from the key the region reports; they match only when the region names the
 * device the user holds.
 */
export async function joinCode(joinRequestId: string, jkt: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest(
      'SHA-256',
      new TextEncoder().encode(`domicile join code\0${joinRequestId}\0${jkt}`),
    ),
  );
  const n = new DataView(digest.buffer).getUint32(0);
  return String(n % 1_000_000).padStart(6, '0');
}

export type JoinMethod = Static<typeof JoinMethod>;
export type JoinRequestBody = Static<typeof JoinRequestBody>;
export type JoinRequestState = Static<typeof JoinRequestState>;
export type JoinRequestView = Static<typeof JoinRequestView>;
export type JoinRequestResponse = Static<typeof JoinRequestResponse>;
export type JoinRequestListResponse = Static<typeof JoinRequestListResponse>;
export type ApproveJoinBody = Static<typeof ApproveJoinBody>;
export type VerifyJoinCodeBody = Static<typeof VerifyJoinCodeBody>;
export type DeviceApprovalClaims = Static<typeof DeviceApprovalClaims>;
export type DeviceState = Static<typeof DeviceState>;
export type DeviceView = Static<typeof DeviceView>;
export type DeviceListResponse = Static<typeof DeviceListResponse>;
export type AccountCredentialView = Static<typeof AccountCredentialView>;
export type AccountCredentialListResponse = Static<typeof AccountCredentialListResponse>;
export type RemoveDeviceResponse = Static<typeof RemoveDeviceResponse>;
