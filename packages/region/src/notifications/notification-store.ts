import { sql, type Kysely } from 'kysely';
import { api } from '@domicile/protocol';
import { jsonColumn, sqlDialectOf, type Database, type NotificationRow } from '../storage/index.js';

/** What a push notification says: one of the protocol's notification types. */
export const notificationDataColumn = jsonColumn('notifications.data', api.NotificationData);

/**
 * Writes a push notification. Call it with the transaction that makes the change it announces
 * (DESIGN: Durable push): the notification exists exactly when the change does.
 */
export async function insertNotification(
  trx: Kysely<Database>,
  deviceId: string,
  data: api.NotificationData,
  now = new Date(),
): Promise<number> {
  // Streams resume after the last id they saw, so a device's ids must become visible in order.
  // PostgreSQL hands out identity values at insert, not at commit: two writers for one device
  // could commit 11 before 10, and a stream that read 11 would never see 10. A per-device lock
  // held to the end of the transaction orders them. SQLite runs one transaction at a time.
  if (sqlDialectOf(trx) === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(hashtext(${deviceId}))`.execute(trx);
  const row = await trx
    .insertInto('notifications')
    .values({
      device_id: deviceId,
      type: data.type,
      data: notificationDataColumn.encode(data),
      created_at: now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function listNotifications(
  db: Kysely<Database>,
  deviceId: string,
  afterId: number,
  limit: number,
): Promise<api.Notification[]> {
  const rows = await db
    .selectFrom('notifications')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toNotification);
}

export function toNotification(row: NotificationRow): api.Notification {
  return {
    id: Number(row.id),
    createdAt: row.created_at,
    data: notificationDataColumn.decode(row.data),
  };
}
