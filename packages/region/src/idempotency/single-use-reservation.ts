import { sql, type Insertable, type Kysely } from 'kysely';
import {
  recordSingleUseId,
  singleUseIdRefusal,
  singleUseIdRow,
  type SingleUseId,
} from '../request-auth/index.js';
import {
  precompiled,
  type Database,
  type IdempotencyKeysTable,
  type SqlDialectName,
} from '../storage/index.js';

/** A new reservation of an Idempotency-Key, as `IdempotencyStore` writes it. */
export type Reservation = Insertable<IdempotencyKeysTable> & { readonly state: 'in_flight' };

const insertReservationStatement = precompiled(
  6,
  (
    db,
    scope: string,
    key: string,
    request_hash: string,
    created_at: string,
    updated_at: string,
    incarnation: string | null,
  ) =>
    db
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        request_hash,
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at,
        updated_at,
        incarnation,
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
);

/**
 * Inserts a reservation unless its key is taken.
 * @returns whether the key was free and is now this attempt's.
 */
export async function insertReservation(
  db: Kysely<Database>,
  reservation: Reservation,
): Promise<boolean> {
  const { scope, key, request_hash, created_at, updated_at } = reservation;
  const inserted = await insertReservationStatement.execute(
    db,
    scope,
    key,
    request_hash,
    created_at,
    updated_at,
    reservation.incarnation ?? null,
  );
  return Number(inserted.numAffectedRows ?? 0n) === 1;
}

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
      return insertReservation(trx, reservation);
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
