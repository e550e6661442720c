import { Type, type Static } from '@sinclair/typebox';
import { IdSchema, Sha256Schema, TimestampSchema } from './common.js';

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
