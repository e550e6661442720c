import type { Kysely } from 'kysely';
import type { Database, ResidencyIndexRow } from '../storage/index.js';

/**
 * Records in the home region that `region`, to which it just issued a redirect assertion, may now
 * hold credentials of the account, under the assertion's `sub` (DESIGN: Residency — a region id
 * and a pseudonym, never card data). The first redirect to a region is kept; later ones change
 * nothing, since the pseudonym towards one region never changes.
 */
export async function recordResidency(
  db: Kysely<Database>,
  entry: { accountId: string; region: string; pseudonym: string },
  now: Date,
): Promise<void> {
  await db
    .insertInto('residency_index')
    .values({
      account_id: entry.accountId,
      region: entry.region,
      pseudonym: entry.pseudonym,
      first_seen_at: now.toISOString(),
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
