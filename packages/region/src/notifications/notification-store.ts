import { sql, type Kysely } from 'kysely';
import { DomicileError, api } from '@domicile/protocol';
import {
  columnsOf,
  jsonColumn,
  planStable,
  planStableInteger,
  precompiled,
  sqlDialectOf,
  type Database,
  type NotificationRow,
} from '../storage/index.js';

/** What a push notification says: one of the protocol's notification types. */
export const notificationDataColumn = jsonColumn('notifications.data', api.NotificationData);

// A device's stream reads, and every change it is told of writes, one of these: compiled once.
const insertReturningId = precompiled(
  4,
  (db, device_id: string, type: string, data: string, created_at: string) =>
    db.insertInto('notifications').values({ device_id, type, data, created_at }).returning('id'),
);

// Its columns named, not `*`: prepared on PostgreSQL (`preparedName`), as every stream reads it.
const NOTIFICATION_COLUMNS = columnsOf<NotificationRow>({
  id: true,
  device_id: true,
  type: true,
  data: true,
  created_at: true,
});

const notificationsAfter = precompiled(3, (db, deviceId: string, afterId: number, limit: number) =>
  db
    .selectFrom('notifications')
    .select(NOTIFICATION_COLUMNS)
    .where('device_id', '=', planStable(deviceId))
    .where('id', '>', planStableInteger(afterId))
    .orderBy('id')
    .limit(planStableInteger(limit)),
);

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
  // held to the end of the transaction orders them: taken in the insert's own statement (one
  // round trip), by the row the insert reads, so before its identity value is drawn. SQLite runs
  // one transaction at a time.
  const values = {
    device_id: deviceId,
    type: data.type,
    data: notificationDataColumn.encode(data),
    created_at: now.toISOString(),
  };
  const row =
    sqlDialectOf(trx) === 'postgres'
      ? (
          await sql<{ id: number }>`with locked as materialized (
              select pg_advisory_xact_lock(hashtext(${deviceId}))
            )
            insert into notifications (device_id, type, data, created_at)
            select ${values.device_id}, ${values.type}, ${values.data}, ${values.created_at}
            from locked
            returning id`.execute(trx)
        ).rows[0]
      : (
          await insertReturningId.execute(
            trx,
            values.device_id,
            values.type,
            values.data,
            values.created_at,
          )
        ).rows[0];
  if (row === undefined)
    throw new DomicileError('INTERNAL', { details: { reason: 'notification without an id' } });
  return Number(row.id);
}

export async function listNotifications(
  db: Kysely<Database>,
  deviceId: string,
  afterId: number,
  limit: number,
): Promise<api.Notification[]> {
  const { rows } = await notificationsAfter.execute(db, deviceId, afterId, limit);
  return rows.map(toNotification);
}

export function toNotification(row: NotificationRow): api.Notification {
  return {
    id: Number(row.id),
    createdAt: row.created_at,
    data: notificationDataColumn.decode(row.data),
  };
}
