import type { Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import type { Database } from '../../storage/index.js';

/** One message the sandbox issuer "sent", as `GET /v1/sandbox/outbox` shows it. */
export type OutboxMessage = api.SandboxOutboxResponse['messages'][number];
export type OutboxChannel = OutboxMessage['channel'];

const CHANNELS: Record<api.IdvMethod['kind'], OutboxChannel> = {
  otp_sms: 'sms',
  otp_email: 'email',
  issuer_app: 'app',
};

/** The outbox channel of an ID&V method kind. */
export function channelOf(kind: api.IdvMethod['kind']): OutboxChannel {
  return CHANNELS[kind];
}

/** Records a message the sandbox issuer delivers; the CLI reads it back in place of a phone. */
export async function writeOutbox(
  db: Kysely<Database>,
  message: {
    channel: OutboxChannel;
    target: string;
    last4: string;
    code: string;
    sessionId: string;
  },
  now = new Date(),
): Promise<void> {
  await db
    .insertInto('issuer_outbox')
    .values({
      channel: message.channel,
      target: message.target,
      last4: message.last4,
      code: message.code,
      session_id: message.sessionId,
      created_at: now.toISOString(),
    })
    .execute();
}

/**
 * The sandbox outbox, newest first, optionally only the messages about one card (by last 4) or
 * about one session or join request (`subject`).
 */
export async function readOutbox(
  db: Kysely<Database>,
  options: { limit: number; last4?: string; subject?: string },
): Promise<OutboxMessage[]> {
  let query = db.selectFrom('issuer_outbox').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.last4 !== undefined) query = query.where('last4', '=', options.last4);
  if (options.subject !== undefined) query = query.where('session_id', '=', options.subject);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: Number(row.id),
    channel: row.channel as OutboxChannel,
    target: row.target,
    last4: row.last4,
    code: row.code,
    createdAt: row.created_at,
  }));
}
