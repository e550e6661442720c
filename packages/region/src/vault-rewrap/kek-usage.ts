import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';

/** How many live records (not erased) have their data key wrapped under each KEK. */
export interface KekUsage {
  readonly kekId: string;
  readonly records: number;
}

/** Where a KEK rotation's re-wrap is, as the database tells it. */
export interface RewrapProgress {
  /** The KEK new records are wrapped under, and old ones re-wrapped to. */
  readonly currentKekId: string;
  /** Live records in the vault. */
  readonly total: number;
  /** Live records under the current KEK. */
  readonly current: number;
  /** Live records under another KEK: what the re-wrap worker has still to do. */
  readonly remaining: number;
  /** Every KEK in use, the current one first, then by id. */
  readonly byKek: readonly KekUsage[];
}

/** Live records by KEK, read from the `vault_records_live_kek_idx` index. */
export async function vaultKekUsage(db: Kysely<Database>): Promise<KekUsage[]> {
  const rows = await db
    .selectFrom('vault_records')
    .select((eb) => ['kek_id', eb.fn.countAll<number | string | bigint>().as('records')])
    .where('wrapped_key', 'is not', null)
    .groupBy('kek_id')
    .orderBy('kek_id')
    .execute();
  return rows.map((row) => ({ kekId: row.kek_id, records: Number(row.records) }));
}

/** Live records under one KEK: a seek in the index, whatever the size of the vault. */
export async function vaultRecordsUnder(db: Kysely<Database>, kekId: string): Promise<number> {
  const row = await db
    .selectFrom('vault_records')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('records'))
    .where('wrapped_key', 'is not', null)
    .where('kek_id', '=', kekId)
    .executeTakeFirst();
  return Number(row?.records ?? 0);
}

/** The re-wrap's progress towards `currentKekId`. */
export async function rewrapProgress(
  db: Kysely<Database>,
  currentKekId: string,
): Promise<RewrapProgress> {
  const usage = await vaultKekUsage(db);
  const total = usage.reduce((sum, kek) => sum + kek.records, 0);
  const current = usage.find((kek) => kek.kekId === currentKekId)?.records ?? 0;
  return {
    currentKekId,
    total,
    current,
    remaining: total - current,
    byKek: [
      { kekId: currentKekId, records: current },
      ...usage.filter((kek) => kek.kekId !== currentKekId),
    ],
  };
}
