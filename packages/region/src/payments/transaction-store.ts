import type { Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import { listCredentialsById } from '../credentials/index.js';
import type { RegionContext } from '../region-context.js';
import { columnsOf, precompiled, type Database, type TransactionRow } from '../storage/index.js';

const LIST_LIMIT = 100;

/** Every column of a transaction row, in the order its insert binds them (the type makes it complete). */
const TRANSACTION_COLUMNS = columnsOf<TransactionRow>({
  id: true,
  credential_id: true,
  token_ref: true,
  device_id: true,
  account_id: true,
  network: true,
  atc: true,
  amount_minor: true,
  currency: true,
  country: true,
  transaction_date: true,
  transaction_type: true,
  channel: true,
  merchant_id: true,
  merchant_name: true,
  approved: true,
  reason: true,
  response_code: true,
  arpc: true,
  csu: true,
  created_at: true,
});

// Every authorization ends with it: Kysely built and compiled its 21 columns at every call.
const insertTransaction = precompiled(TRANSACTION_COLUMNS.length, (db, ...values: unknown[]) =>
  db
    .insertInto('transactions')
    .values(
      Object.fromEntries(
        TRANSACTION_COLUMNS.map((column, i) => [column, values[i]]),
      ) as TransactionRow,
    )
    .onConflict((oc) => oc.column('id').doNothing()),
);

/**
 * Records a decided authorization; its ATC, if the cryptogram verified, was claimed before. The
 * first record of an authorization id wins: a resend that decided it again while the first
 * transmission was still being decided gets the first one's row, so both answer alike.
 */
export async function recordTransaction(
  db: Kysely<Database>,
  row: TransactionRow,
): Promise<TransactionRow> {
  const inserted = await insertTransaction.execute(
    db,
    ...TRANSACTION_COLUMNS.map((column) => row[column]),
  );
  if (Number(inserted.numAffectedRows ?? 0n) === 1) return row;
  const first = await findTransaction(db, row.id);
  if (first === undefined) throw new Error('an authorization id the insert found taken has no row');
  return first;
}

/** The recorded transaction with this authorization id, if any. */
export function findTransaction(
  db: Kysely<Database>,
  id: string,
): Promise<TransactionRow | undefined> {
  // Its columns named, not `*`: prepared on PostgreSQL (`preparedName`), as a resend is answered.
  return db
    .selectFrom('transactions')
    .select(TRANSACTION_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The calling device's authorizations in this region, newest first. */
export async function listTransactions(
  ctx: RegionContext,
  deviceId: string,
): Promise<api.TransactionListResponse> {
  const rows = await ctx.db
    .selectFrom('transactions')
    .selectAll()
    .where('device_id', '=', deviceId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(LIST_LIMIT)
    .execute();
  const credentials = new Map(
    (await listCredentialsById(ctx.db, [...new Set(rows.map((r) => r.credential_id))])).map((c) => [
      c.id,
      c,
    ]),
  );
  return {
    transactions: rows.flatMap((r) => {
      const credential = credentials.get(r.credential_id);
      // As an inner join: a transaction whose credential row is gone is not listed.
      if (credential === undefined) return [];
      return [
        transactionView(ctx.self.id, r, {
          last4: credential.last4,
          tokenLast4: credential.token_number.slice(-4),
        }),
      ];
    }),
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
