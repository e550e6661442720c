import { decodeJwt } from 'jose';
import type { Kysely } from 'kysely';
import type { RegionContext } from '../region-context.js';
import type { Database, ResidencyIndexRow } from '../storage/index.js';

/**
 * Records in the home region that `aud` of a redirect assertion we just issued may now hold
 * credentials of the account, under the pseudonym `sub` (DESIGN: Residency — a region id and a
 * pseudonym, never card data). The first redirect to a region is kept; later ones change nothing,
 * since the pseudonym towards one region never changes.
 */
export async function recordResidency(
  ctx: RegionContext,
  input: { accountId: string; assertion: string },
  db: Kysely<Database> = ctx.db,
): Promise<void> {
  // Our own assertion, signed a moment ago: reading its claims needs no verification.
  const { aud, sub } = decodeJwt(input.assertion);
  if (typeof aud !== 'string' || typeof sub !== 'string') return;
  await db
    .insertInto('residency_index')
    .values({
      account_id: input.accountId,
      region: aud,
      pseudonym: sub,
      first_seen_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.columns(['account_id', 'region']).doNothing())
    .execute();
}

/** The other regions that may hold credentials of an account, oldest first. */
export function residencyOf(db: Kysely<Database>, accountId: string): Promise<ResidencyIndexRow[]> {
  return db
    .selectFrom('residency_index')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('first_seen_at')
    .orderBy('region')
    .execute();
}
