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

/**
 * A new row of an Idempotency-Key, as `IdempotencyStore` writes it: a reservation (`in_flight`)
 * taken before the operation runs, or the key taken with its finished answer (`done`).
 */
export type KeyRow = Insertable<IdempotencyKeysTable>;

const insertKeyStatement = precompiled(
  9,
  (
    db,
    scope: string,
    key: string,
    request_hash: string,
    state: 'in_flight' | 'done',
    status_code: number | null,
    response_body: string | null,
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
        state,
        status_code,
        response_body,
        created_at,
        updated_at,
        incarnation,
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
);

/**
 * Takes the key with `row` unless it is taken, recording `id`, the request's single-use id, in
 * the same commit (a state-changing device request paid two before: its DPoP `jti`, then its
 * key). The id is recorded whether or not the key is free, so a retry's proof is spent as well; a
 * replayed id refuses the request and records nothing. Given a transaction, both go into it;
 * otherwise they are one commit of their own. On PostgreSQL it is one statement (one round trip):
 * the key's insert reads the id's insert, so a duplicate id fails both. SQLite has no writes in a
 * `with`, and a transaction costs it no round trip.
 *
 * @returns whether the key was free and is now this attempt's.
 * @throws DomicileError `id.replayed` when the id was recorded before.
 */
export async function takeKey(
  db: Kysely<Database>,
  dialect: SqlDialectName,
  row: KeyRow,
  id: SingleUseId | undefined,
): Promise<boolean> {
  if (id === undefined) return insertKey(db, row);
  if (dialect === 'sqlite') {
    const both = async (trx: Kysely<Database>): Promise<boolean> => {
      await recordSingleUseId(trx, id);
      return insertKey(trx, row);
    };
    return db.isTransaction ? both(db) : db.transaction().execute(both);
  }
  const ledger = singleUseIdRow(id);
  try {
    const result = await sql`with recorded as (
        insert into single_use_ids (kind, scope, jti, expires_at)
        values (${ledger.kind}, ${ledger.scope}, ${ledger.jti}, ${ledger.expires_at})
        returning 1
      )
      insert into idempotency_keys (scope, key, request_hash, state, status_code, response_body,
        created_at, updated_at, incarnation)
      select ${row.scope}, ${row.key}, ${row.request_hash}, ${row.state},
        ${row.status_code ?? null}::integer, ${row.response_body ?? null}::text, ${row.created_at},
        ${row.updated_at}, ${row.incarnation ?? null}
      from recorded
      on conflict (scope, key) do nothing`.execute(db);
    return Number(result.numAffectedRows ?? 0n) === 1;
  } catch (cause) {
    throw singleUseIdRefusal(id, cause);
  }
}

/** Inserts `row` unless its key is taken; @returns whether it was inserted. */
async function insertKey(db: Kysely<Database>, row: KeyRow): Promise<boolean> {
  const inserted = await insertKeyStatement.execute(
    db,
    row.scope,
    row.key,
    row.request_hash,
    row.state,
    row.status_code ?? null,
    row.response_body ?? null,
    row.created_at,
    row.updated_at,
    row.incarnation ?? null,
  );
  return Number(inserted.numAffectedRows ?? 0n) === 1;
}
