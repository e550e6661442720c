import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { api } from '@domicile/protocol';
import { loadLifecycle } from '../lifecycle/index.js';
import type { TrustedIssuers } from '../request-auth/index.js';
import type { CredentialRow, Database } from '../storage/index.js';

/** A credential with what the look-ups add: its card product. */
export type TokenRow = CredentialRow & { readonly product_id: string };

type TokenQuery = SelectQueryBuilder<
  Database & { c: Database['credentials']; l: Database['credential_lifecycle'] },
  'c' | 'l',
  TokenRow
>;

/**
 * Credentials joined with their product: one query, for the callers to filter, order and page.
 * A token's last use is its own column (`last_used_at`, moved by the ATC claim), not a look-up in
 * `transactions`: an index there for this read cost every authorization's insert a page.
 */
export function tokenRows(db: Kysely<Database>): TokenQuery {
  return db
    .selectFrom('credentials as c')
    .innerJoin('credential_lifecycle as l', 'l.credential_id', 'c.id')
    .selectAll('c')
    .select('l.product_id');
}

const network = (row: TokenRow) => row.network as api.IssuerTokenView['network'];

/** A token as its issuer reads it: last 4 of the card and of the token, never either number. */
export function issuerTokenView(region: string, row: TokenRow): api.IssuerTokenView {
  return {
    tokenRef: row.token_ref,
    region,
    productId: row.product_id,
    network: network(row),
    last4: row.last4,
    tokenLast4: row.token_number.slice(-4),
    state: row.state,
    deviceId: row.device_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
  };
}

/** A token as an operator reads it: the issuer's view, with the issuer and without device ids. */
export function supportTokenView(
  region: string,
  issuers: TrustedIssuers,
  row: TokenRow,
): api.SupportTokenView {
  const issuer = issuers.forProduct(row.product_id)?.id;
  return {
    tokenRef: row.token_ref,
    region,
    productId: row.product_id,
    ...(issuer === undefined ? {} : { issuer }),
    network: network(row),
    last4: row.last4,
    tokenLast4: row.token_number.slice(-4),
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
  };
}

/**
 * Every token of one device in this region, oldest first, deleted ones included. Pass a
 * transaction: a token without its lifecycle row (the product; one made before migration 0003
 * or by a path that did not record it) gets it first, so that no token of the device is left out.
 */
export async function deviceTokenRows(
  trx: Kysely<Database>,
  deviceId: string,
): Promise<TokenRow[]> {
  const credentials = await trx
    .selectFrom('credentials')
    .selectAll()
    .where('device_id', '=', deviceId)
    .execute();
  for (const credential of credentials) await loadLifecycle(trx, credential);
  return tokenRows(trx)
    .where('c.device_id', '=', deviceId)
    .orderBy('c.created_at')
    .orderBy('c.token_ref')
    .execute();
}
