import type { Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import type { AuthenticatedDevice } from '../accounts/index.js';
import type { RegionContext } from '../region-context.js';
import type { Database, TransactionRow } from '../storage/database.js';

const LIST_LIMIT = 100;

/**
 * Claims an ATC for the token (EMV Book 2 8.1.2: a counter value is spent once): moves the token's
 * last accepted ATC to `atc` only if it is greater. Of requests racing with one ATC exactly one
 * gets true, so only that one may ask the issuer. The claim is never undone: a decline, an issuer
 * that does not answer or a crash after it leaves the ATC used, as on a card; a retry needs a new
 * cryptogram.
 * @returns whether this call claimed it.
 */
export async function claimAtc(
  db: Kysely<Database>,
  claim: { credentialId: string; atc: number },
): Promise<boolean> {
  const res = await db
    .updateTable('credentials')
    .set({ atc_last: claim.atc })
    .where('id', '=', claim.credentialId)
    .where('atc_last', '<', claim.atc)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Records a decided authorization; its ATC, if the cryptogram verified, was claimed before. */
export async function recordTransaction(
  db: Kysely<Database>,
  row: TransactionRow,
): Promise<TransactionRow> {
  await db.insertInto('transactions').values(row).execute();
  return row;
}

/** The calling device's authorizations in this region, newest first. */
export async function listTransactions(
  ctx: RegionContext,
  who: AuthenticatedDevice,
): Promise<api.TransactionListResponse> {
  const rows = await ctx.db
    .selectFrom('transactions')
    .innerJoin('credentials', 'credentials.id', 'transactions.credential_id')
    .selectAll('transactions')
    .select(['credentials.last4 as card_last4', 'credentials.token_number as token_number'])
    .where('transactions.device_id', '=', who.device.id)
    .orderBy('transactions.created_at', 'desc')
    .orderBy('transactions.id')
    .limit(LIST_LIMIT)
    .execute();
  return {
    transactions: rows.map((r) =>
      transactionView(ctx.self.id, r, {
        last4: r.card_last4,
        tokenLast4: r.token_number.slice(-4),
      }),
    ),
  };
}

/** A transaction as the device sees it: last 4 digits of card and token, never more. */
export function transactionView(
  region: string,
  row: TransactionRow,
  card: { last4: string; tokenLast4: string },
): api.TransactionView {
  return {
    authorizationId: row.id,
    tokenRef: row.token_ref,
    region,
    last4: card.last4,
    tokenLast4: card.tokenLast4,
    approved: row.approved === 1,
    reason: row.reason as api.AuthorizationReason,
    amount: { minor: Number(row.amount_minor), currency: row.currency },
    merchant: { id: row.merchant_id, name: row.merchant_name },
    channel: row.channel,
    atc: row.atc,
    createdAt: row.created_at,
  };
}
