import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';
import { utcDayStart } from './day-start.js';

/** Authorizations of one decision and reason. */
export interface AuthorizationCount {
  readonly decision: 'approved' | 'declined';
  readonly reason: string;
  readonly count: number;
}

/**
 * Today's (UTC) authorizations of this region's tokens by decision and reason, from the
 * transactions it recorded: the one read behind `domicile_authorizations_today` and the console.
 */
export async function readAuthorizationCounts(
  db: Kysely<Database>,
  now: () => Date,
): Promise<AuthorizationCount[]> {
  const rows = await db
    .selectFrom('transactions')
    .select((eb) => ['approved', 'reason', eb.fn.countAll<number | string>().as('n')])
    .where('created_at', '>=', utcDayStart(now()))
    .groupBy(['approved', 'reason'])
    .orderBy('approved', 'desc')
    .orderBy('reason')
    .execute();
  return rows.map((row) => ({
    decision: Number(row.approved) === 1 ? 'approved' : 'declined',
    reason: row.reason,
    count: Number(row.n),
  }));
}
