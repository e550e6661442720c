import type { Kysely } from 'kysely';
import type { Database, JoinRequestRow } from '../storage/index.js';

/**
 * The owner of the `join_requests` table. A request moves out of `pending` once, by a conditional
 * update of the state read: of two racing decisions (two devices approving, an approval and a
 * refusal, two code tries), one wins and the other reads the request again.
 */

export async function insertJoinRequest(trx: Kysely<Database>, row: JoinRequestRow): Promise<void> {
  await trx.insertInto('join_requests').values(row).execute();
}

/** A join request by id, as the joining device (its key) or a device of the account names it. */
export async function findJoinRequest(
  db: Kysely<Database>,
  where: { readonly id: string } & ({ readonly jkt: string } | { readonly accountId: string }),
): Promise<JoinRequestRow | undefined> {
  let query = db.selectFrom('join_requests').selectAll().where('id', '=', where.id);
  query =
    'jkt' in where
      ? query.where('jkt', '=', where.jkt)
      : query.where('account_id', '=', where.accountId);
  return query.executeTakeFirst();
}

/** The account's join requests still pending at `now`, newest first. */
export async function listPendingJoinRequests(
  db: Kysely<Database>,
  accountId: string,
  now: string,
): Promise<JoinRequestRow[]> {
  return db
    .selectFrom('join_requests')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('state', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Moves a pending request on, if it is still as read (its state and tries); true when it did. */
export async function updatePendingJoinRequest(
  trx: Kysely<Database>,
  read: JoinRequestRow,
  set: Partial<
    Pick<
      JoinRequestRow,
      'state' | 'tries_left' | 'code_hash' | 'decided_at' | 'decided_by' | 'device_id'
    >
  >,
): Promise<boolean> {
  const result = await trx
    .updateTable('join_requests')
    .set(set)
    .where('id', '=', read.id)
    .where('state', '=', 'pending')
    .where('tries_left', '=', read.tries_left)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
