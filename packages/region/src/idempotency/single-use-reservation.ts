import { sql, type Insertable, type Kysely } from 'kysely';
import {
  recordSingleUseId,
  singleUseIdRefusal,
  singleUseIdRow,
  type SingleUseId,
} from '../request-auth/index.js';
import type { Database, IdempotencyKeysTable, SqlDialectName } from '../storage/index.js';

/** A new reservation of an Idempotency-Key, as `IdempotencyStore` writes it. */
export type Reservation = Insertable<IdempotencyKeysTable> & { readonly state: 'in_flight' };

/**
 * Records the request's single-use id and reserves its key in one commit (a state-changing
 * device request paid two before: its DPoP `jti`, then its key). The id is recorded whether or
 * not the key is free, so a retry's proof is spent as well; a replayed id refuses the request and
 * records nothing. On PostgreSQL it is one statement (one round trip): the key's insert reads the
 * id's insert, so a duplicate id fails both. SQLite has no writes in a `with`, and a transaction
 * costs it no round trip.
 *
 * @returns whether the key was free and is now this attempt's.
 * @throws DomicileError `id.replayed` when the id was recorded before.
 */
export async function reserveWithSingleUseId(
  db: Kysely<Database>,
  dialect: SqlDialectName,
  reservation: Reservation,
  id: SingleUseId,
): Promise<boolean> {
  if (dialect === 'sqlite') {
    return db.transaction().execute(async (trx) => {
      await recordSingleUseId(trx, id);
      const inserted = await trx
        .insertInto('idempotency_keys')
        .values(reservation)
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
    });
  }
  const row = singleUseIdRow(id);
  try {
    const result = await sql`with recorded as (
        insert into single_use_ids (kind, scope, jti, expires_at)
        values (${row.kind}, ${row.scope}, ${row.jti}, ${row.expires_at})
        returning 1
      )
      insert into idempotency_keys
        (scope, key, request_hash, state, created_at, updated_at, incarnation)
      select ${reservation.scope}, ${reservation.key}, ${reservation.request_hash},
        ${reservation.state}, ${reservation.created_at}, ${reservation.updated_at},
        ${reservation.incarnation ?? null}
      from recorded
      on conflict (scope, key) do nothing`.execute(db);
    return Number(result.numAffectedRows ?? 0n) === 1;
  } catch (cause) {
    throw singleUseIdRefusal(id, cause);
  }
}
