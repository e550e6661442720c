import { sql, type Kysely } from 'kysely';
import { claimAtc, type AtcClaim } from '../credentials/index.js';
import {
  recordSingleUseId,
  singleUseIdRefusal,
  singleUseIdRow,
  type SingleUseId,
} from '../request-auth/index.js';
import { dialectOf, precompiled, type Database } from '../storage/index.js';

/**
 * Records an authorization's single-use id and claims its ATC (`claimAtc`) in one commit. On
 * PostgreSQL it is one statement (one round trip, no `begin` and `commit` of its own): the claim's
 * update runs with the id's insert, and a duplicate id fails both. SQLite has no writes in a
 * `with`, and a transaction costs it no round trip.
 * @returns whether this call claimed the ATC.
 * @throws DomicileError `id.replayed` when the id was recorded before: nothing is claimed.
 */
export async function claimAtcWithSingleUseId(
  db: Kysely<Database>,
  id: SingleUseId,
  claim: AtcClaim,
): Promise<boolean> {
  if (dialectOf(db) === 'sqlite')
    return db.transaction().execute(async (trx) => {
      await recordSingleUseId(trx, id);
      return claimAtc(trx, claim);
    });
  const row = singleUseIdRow(id);
  try {
    const result = await claimWithId.execute(
      db,
      row.kind,
      row.scope,
      row.jti,
      row.expires_at,
      claim.atc,
      claim.at,
      claim.credentialId,
    );
    return Number(result.numAffectedRows ?? 0n) === 1;
  } catch (cause) {
    throw singleUseIdRefusal(id, cause);
  }
}

// Every authorization runs it: compiled once, not at every call.
const claimWithId = precompiled(
  7,
  (
    db,
    kind: string,
    scope: string,
    jti: string,
    expiresAt: string,
    atc: number,
    at: string,
    id: string,
  ) => ({
    compile: () =>
      sql`with recorded as (
          insert into single_use_ids (kind, scope, jti, expires_at)
          values (${kind}, ${scope}, ${jti}, ${expiresAt})
        )
        update credentials set atc_last = ${atc}, last_used_at = ${at}
        where id = ${id} and atc_last < ${atc}`.compile(db),
  }),
);
