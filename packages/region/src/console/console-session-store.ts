import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/index.js';
import type { Database } from '../storage/index.js';

/** How long a console session lives: ended by `idleMs` without a request, and by `absoluteMs` whatever its use. */
export interface ConsoleSessionPolicy {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

/** A quarter of an hour idle, a working day at most (OWASP's session management guidance). */
export const DEFAULT_CONSOLE_SESSION_POLICY: ConsoleSessionPolicy = {
  idleMs: 15 * 60_000,
  absoluteMs: 8 * 3_600_000,
};

/** A live session, as a request finds it. */
export interface ConsoleSession {
  /** The operator's label: the first 12 hex digits of their token's hash. */
  readonly operator: string;
  /** The synchronizer token its forms carry. */
  readonly csrf: string;
}

/** The row's key: a hash, so a copy of the database holds no usable session id. */
const idHashOf = (sessionId: string): string =>
  createHash('sha256').update(`domicile console session\0${sessionId}`).digest('base64url');

/**
 * The session's CSRF token, derived from its id under a key only the id's holder has: the form
 * and the cookie must both come from that holder, and the database (which has the hash only)
 * cannot make it.
 */
export const csrfTokenOf = (sessionId: string): string =>
  createHmac('sha256', sessionId).update('domicile console csrf').digest('base64url');

/** Session ids are 256 random bits, base64url: the only form a cookie value is accepted in. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Opens a session for an operator, writing `console.signed_in` in the same transaction: no session
 * exists without its audit row. Returns the id for the cookie (never stored).
 */
export async function openConsoleSession(
  db: Kysely<Database>,
  input: { operator: string; address: string; now: Date; policy: ConsoleSessionPolicy },
): Promise<{ sessionId: string; session: ConsoleSession }> {
  const sessionId = randomBytes(32).toString('base64url');
  const at = input.now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('console_sessions')
      .values({
        id_hash: idHashOf(sessionId),
        operator: input.operator,
        created_at: at,
        last_seen_at: at,
        expires_at: new Date(input.now.getTime() + input.policy.absoluteMs).toISOString(),
      })
      .execute();
    await appendAudit(trx, {
      at,
      actor: `operator:${input.operator}`,
      action: 'console.signed_in',
      subject: 'console',
      detail: { address: input.address },
    });
  });
  return { sessionId, session: { operator: input.operator, csrf: csrfTokenOf(sessionId) } };
}

/**
 * The live session a cookie names, its idle clock restarted; undefined for an unknown id, or a
 * session past its idle or absolute limit (deleted then, so it cannot come back).
 */
export async function findConsoleSession(
  db: Kysely<Database>,
  input: { sessionId: string; now: Date; policy: ConsoleSessionPolicy },
): Promise<ConsoleSession | undefined> {
  if (!SESSION_ID.test(input.sessionId)) return undefined;
  const idHash = idHashOf(input.sessionId);
  const row = await db
    .selectFrom('console_sessions')
    .select(['operator', 'last_seen_at', 'expires_at'])
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const now = input.now.getTime();
  const idleUntil = new Date(row.last_seen_at).getTime() + input.policy.idleMs;
  if (now >= idleUntil || now >= new Date(row.expires_at).getTime()) {
    await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
    return undefined;
  }
  await db
    .updateTable('console_sessions')
    .set({ last_seen_at: input.now.toISOString() })
    .where('id_hash', '=', idHash)
    .execute();
  return { operator: row.operator, csrf: csrfTokenOf(input.sessionId) };
}

/** Ends a session, writing `console.signed_out` in the same transaction. */
export async function closeConsoleSession(
  db: Kysely<Database>,
  input: { sessionId: string; operator: string; now: Date },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('console_sessions')
      .where('id_hash', '=', idHashOf(input.sessionId))
      .execute();
    await appendAudit(trx, {
      at: input.now.toISOString(),
      actor: `operator:${input.operator}`,
      action: 'console.signed_out',
      subject: 'console',
    });
  });
}
