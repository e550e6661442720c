import type { Insertable, Kysely } from 'kysely';
import { DomicileError, type ErrorCode } from '@domicile/protocol';
import {
  isUniqueViolation,
  precompiled,
  type Database,
  type SingleUseIdsTable,
  type SingleUseKind,
} from '../storage/index.js';

/**
 * A request's single-use id, as {@link verifySignedRequest} found it: to be recorded with
 * {@link recordSingleUseId} before the request has any effect, by the caller, in the
 * transaction of its first write when it has one.
 */
export interface SingleUseId {
  readonly kind: SingleUseKind;
  /** Who signed it (a device key thumbprint, a network, an issuer, a region): ids are theirs to pick. */
  readonly scope: string;
  readonly jti: string;
  /** When the request's time check refuses a replay by itself (plus a margin): then it is purged. */
  readonly expiresAt: Date;
  /** The code a second use of this id is refused with. */
  readonly replayed: ErrorCode;
}

/**
 * Records a single-use id in the ledger every node of the region shares; expired ids are purged
 * by `Housekeeping`.
 * @throws DomicileError `id.replayed` when the id was recorded before.
 */
export async function recordSingleUseId(db: Kysely<Database>, id: SingleUseId): Promise<void> {
  try {
    await insertSingleUseId.execute(db, id.kind, id.scope, id.jti, id.expiresAt.toISOString());
  } catch (cause) {
    throw singleUseIdRefusal(id, cause);
  }
}

/** Every request with a single-use id writes one: built and compiled once. */
const insertSingleUseId = precompiled(
  4,
  (db, kind: SingleUseKind, scope: string, jti: string, expires_at: string) =>
    db.insertInto('single_use_ids').values({ kind, scope, jti, expires_at }),
);

/** The ledger row of `id`, for a caller that records it in a statement of its own. */
export function singleUseIdRow(id: SingleUseId): Insertable<SingleUseIdsTable> {
  return { kind: id.kind, scope: id.scope, jti: id.jti, expires_at: id.expiresAt.toISOString() };
}

/** What a failed insert of `id` means: its replay refusal for a duplicate, else the failure itself. */
export function singleUseIdRefusal(id: SingleUseId, cause: unknown): unknown {
  return isUniqueViolation(cause) ? new DomicileError(id.replayed) : cause;
}

/**
 * Refuses an id already in the ledger, without recording it: for a request that records its id
 * only with its effect, later, yet should be told it is a replay before any other check.
 * @throws DomicileError `id.replayed` when the id was recorded before.
 */
export async function refuseRecordedSingleUseId(
  db: Kysely<Database>,
  id: SingleUseId,
): Promise<void> {
  const found = await db
    .selectFrom('single_use_ids')
    .select('jti')
    .where('kind', '=', id.kind)
    .where('scope', '=', id.scope)
    .where('jti', '=', id.jti)
    .executeTakeFirst();
  if (found !== undefined) throw new DomicileError(id.replayed);
}
