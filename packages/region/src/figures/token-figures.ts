import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';

/** How many tokens of one card product are in one state. */
export interface TokenCount {
  readonly state: string;
  /** The card product (issuer's id); `unknown` for a token without lifecycle facts. */
  readonly product: string;
  readonly count: number;
}

/**
 * Tokens of this region by state and card product: the one read behind `domicile_tokens` and the
 * console's token table. Counts only: no token number, no card data.
 */
export async function readTokenCounts(db: Kysely<Database>): Promise<TokenCount[]> {
  const rows = await db
    .selectFrom('credentials')
    .leftJoin('credential_lifecycle', 'credential_lifecycle.credential_id', 'credentials.id')
    .select((eb) => [
      'credentials.state as state',
      'credential_lifecycle.product_id as product',
      eb.fn.countAll<number | string>().as('count'),
    ])
    .groupBy(['credentials.state', 'credential_lifecycle.product_id'])
    .orderBy('credentials.state')
    .orderBy('credential_lifecycle.product_id')
    .execute();
  return rows.map((row) => ({
    state: row.state,
    product: row.product ?? 'unknown',
    count: Number(row.count),
  }));
}
