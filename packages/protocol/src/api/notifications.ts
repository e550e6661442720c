import { Type, type Static } from '@sinclair/typebox';
import { ExpirySchema, IdSchema, Last4Schema, Sha256Schema, TimestampSchema } from './common.js';
import { LifecycleActor, LifecycleReason, ResumedState } from './lifecycle.js';

/**
 * Push notifications, in the order the region wrote them. `id` increases per region; a device
 * resumes the stream (`GET /v1/notifications/stream`, Server-Sent Events) with `Last-Event-ID`.
 */
export const NotificationData = Type.Union([
  Type.Object({
    type: Type.Literal('credential.provisioned'),
    tokenRef: IdSchema,
    art: Type.Object({ assetId: IdSchema, sha256: Sha256Schema }),
  }),
  Type.Object({ type: Type.Literal('tsm.script.ready'), tokenRef: IdSchema, scriptId: IdSchema }),
  Type.Object({ type: Type.Literal('credential.activated'), tokenRef: IdSchema }),
  // Lifecycle: the applet follows the credential's state; `state` is what a resume returned to.
  Type.Object({
    type: Type.Literal('credential.suspended'),
    tokenRef: IdSchema,
    actor: LifecycleActor,
    reason: LifecycleReason,
  }),
  Type.Object({
    type: Type.Literal('credential.resumed'),
    tokenRef: IdSchema,
    actor: LifecycleActor,
    reason: LifecycleReason,
    state: ResumedState,
  }),
  Type.Object({
    type: Type.Literal('credential.deleted'),
    tokenRef: IdSchema,
    actor: LifecycleActor,
    reason: LifecycleReason,
  }),
  // The issuer changed the card art: fetch the new asset and check it against `sha256`.
  Type.Object({
    type: Type.Literal('credential.art.updated'),
    tokenRef: IdSchema,
    art: Type.Object({ assetId: IdSchema, sha256: Sha256Schema }),
  }),
  // The issuer reissued the card behind the token: the token, its keys and the applet stay; the
  // wallet shows the new card's last 4 digits and expiry.
  Type.Object({
    type: Type.Literal('credential.updated'),
    tokenRef: IdSchema,
    last4: Last4Schema,
    expiry: ExpirySchema,
  }),
]);

export const Notification = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  createdAt: TimestampSchema,
  data: NotificationData,
});

/** `GET /v1/notifications?after=N&limit=M` — the same notifications, polled. */
export const NotificationListResponse = Type.Object({ notifications: Type.Array(Notification) });

export type NotificationData = Static<typeof NotificationData>;
export type NotificationType = NotificationData['type'];
export type Notification = Static<typeof Notification>;
export type NotificationListResponse = Static<typeof NotificationListResponse>;
