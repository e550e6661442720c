import type { Kysely } from 'kysely';
import { DomicileError, type api } from '@domicile/protocol';
import type { Database, SessionRow, SessionUpdate } from '../storage/database.js';

/** A session lives this long from the provisioning message to tokenization. */
export const SESSION_LIFETIME_MS = 15 * 60_000;

/** Loads a session of the calling device; another device's session reads as not found. */
export async function loadSession(
  db: Kysely<Database>,
  sessionId: string,
  deviceId: string,
  now: Date,
): Promise<SessionRow> {
  const row = await db
    .selectFrom('provisioning_sessions')
    .selectAll()
    .where('id', '=', sessionId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  if (row === undefined) throw new DomicileError('SESSION_NOT_FOUND');
  if (row.state !== 'tokenized' && Date.parse(row.expires_at) <= now.getTime())
    throw new DomicileError('SESSION_EXPIRED');
  return row;
}

export function requireState(row: SessionRow, ...states: api.SessionState[]): void {
  if (!states.includes(row.state as api.SessionState)) {
    throw new DomicileError('SESSION_STATE', { details: { state: row.state, expected: states } });
  }
}

/**
 * Moves a session on, only from the state (and try count) it was read in: of two racing requests
 * one wins and the other gets SESSION_STATE, on SQLite and PostgreSQL alike.
 */
export async function advanceSession(
  trx: Kysely<Database>,
  row: SessionRow,
  patch: SessionUpdate,
  now: Date,
): Promise<SessionRow> {
  const res = await trx
    .updateTable('provisioning_sessions')
    .set({ ...patch, updated_at: now.toISOString() })
    .where('id', '=', row.id)
    .where('state', '=', row.state)
    .where('idv_tries_left', '=', row.idv_tries_left)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new DomicileError('SESSION_STATE');
  return { ...row, ...patch, updated_at: now.toISOString() } as SessionRow;
}

export function sessionView(row: SessionRow, region: string): api.SessionView {
  const view: api.SessionView = {
    id: row.id,
    region,
    state: row.state as api.SessionState,
    expiresAt: row.expires_at,
    last4: row.last4,
    network: row.network as api.SessionView['network'],
  };
  if (row.decision !== null) view.decision = row.decision as api.Decision;
  if (row.reason !== null) view.reason = row.reason;
  if (row.idv_methods !== null && (row.state === 'idv_required' || row.state === 'idv_pending')) {
    view.idvMethods = JSON.parse(row.idv_methods) as api.IdvMethod[];
  }
  if (row.state === 'idv_pending') view.idvTriesLeft = row.idv_tries_left;
  return view;
}
