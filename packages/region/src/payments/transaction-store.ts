import type { Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import type { AuthenticatedDevice } from '../accounts/index.js';
import type { RegionContext } from '../region-context.js';
import type { Database, TransactionRow } from '../storage/database.js';

const LIST_LIMIT = 100;

/**
 * Records a decided authorization. When its cryptogram verified, its ATC becomes the token's last
 * accepted one in the same transaction, and only if it is greater than the last: of two requests
 * racing with one ATC, exactly one gets it, and the other is recorded as `atc_replayed`.
 * @returns the row as stored (its reason may have turned into `atc_replayed`).
 */
export async function recordTransaction(
  db: Kysely<Database>, row: TransactionRow, options: { acceptAtc: boolean },
): Promise<TransactionRow> {
  return db.transaction().execute(async (trx) => {
    let stored = row;
    if (options.acceptAtc) {
      const res = await trx.updateTable('credentials').set({ atc_last: row.atc })
        .where('id', '=', row.credential_id).where('atc_last', '<', row.atc).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) stored = { ...row, approved: 0, reason: 'atc_replayed', response_code: '82' };
    }
    await trx.insertInto('transactions').values(stored).execute();
    return stored;
  });
}

/** The calling device's authorizations in this region, newest first. */
export async function listTransactions(ctx: RegionContext, who: AuthenticatedDevice): Promise<api.TransactionListResponse> {
  const rows = await ctx.db.selectFrom('transactions')
    .innerJoin('credentials', 'credentials.id', 'transactions.credential_id')
    .selectAll('transactions')
    .select(['credentials.last4 as card_last4', 'credentials.token_number as token_number'])
    .where('transactions.device_id', '=', who.device.id)
    .orderBy('transactions.created_at', 'desc').orderBy('transactions.id')
    .limit(LIST_LIMIT).execute();
  return {
    transactions: rows.map((r) => transactionView(ctx.self.id, r, { last4: r.card_last4, tokenLast4: r.token_number.slice(-4) })),
  };
}

/** A transaction as the device sees it: last 4 digits of card and token, never more. */
export function transactionView(region: string, row: TransactionRow, card: { last4: string; tokenLast4: string }): api.TransactionView {
  return {
    authorizationId: row.id, tokenRef: row.token_ref, region, last4: card.last4, tokenLast4: card.tokenLast4,
    approved: row.approved === 1, reason: row.reason as api.AuthorizationReason,
    amount: { minor: Number(row.amount_minor), currency: row.currency },
    merchant: { id: row.merchant_id, name: row.merchant_name }, channel: row.channel,
    atc: row.atc, createdAt: row.created_at,
  };
}
