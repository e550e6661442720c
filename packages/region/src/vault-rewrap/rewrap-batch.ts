import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';
import { vaultFailureOf, type Vault, type VaultFailureReason } from '../vault/index.js';

/**
 * Where a re-wrap pass is: the old KEK whose records it walks, and the last record id it looked
 * at. Only a shortcut: the rows themselves say what is left (their `kek_id`), so a pass that
 * starts over (a restart, another node) finds the same work, less what is done.
 */
export interface RewrapPosition {
  readonly kekId: string;
  readonly after: string;
}

/** What one batch did. */
export interface RewrapBatch {
  /** The old KEK whose records the batch took; undefined when none is left. */
  readonly kekId: string | undefined;
  /** Records now under the current KEK. */
  readonly rewrapped: number;
  /** Records whose key could not be unwrapped (an unknown or wrong KEK): left as they are. */
  readonly failed: readonly {
    readonly id: string;
    readonly reason: VaultFailureReason | 'other';
  }[];
  /** Records another node or an erase changed meanwhile: left to them. */
  readonly lost: number;
  /** Where the next batch starts; undefined when no old KEK has records after this one. */
  readonly next: RewrapPosition | undefined;
}

/**
 * Re-wraps up to `limit` records whose data key is wrapped under an old KEK: each key unwrapped
 * with the old KEK, wrapped with the current one and checked ({@link Vault.rewrapKey}), then all
 * of them written in one transaction, each by a compare-and-set on its old KEK id and wrapped
 * key. A crash at any point leaves each row either as it was or re-wrapped, readable either way;
 * a node racing this one on the same rows, or an erase, makes the set fail for that row only.
 * Records are taken by KEK, then by id, from the `vault_records_live_kek_idx` index.
 */
export async function rewrapBatch(
  db: Kysely<Database>,
  vault: Vault,
  options: { readonly from?: RewrapPosition | undefined; readonly limit: number },
): Promise<RewrapBatch> {
  const kekId = options.from?.kekId ?? (await nextOldKek(db, vault.kekId, undefined));
  if (kekId === undefined) return { kekId, rewrapped: 0, failed: [], lost: 0, next: undefined };
  const rows = await db
    .selectFrom('vault_records')
    .select(['id', 'wrapped_key'])
    .where('wrapped_key', 'is not', null)
    .where('kek_id', '=', kekId)
    .where('id', '>', options.from?.after ?? '')
    .orderBy('id')
    .limit(options.limit)
    .execute();
  const failed: { id: string; reason: VaultFailureReason | 'other' }[] = [];
  const updates: { id: string; old: string; rewrapped: string }[] = [];
  for (const row of rows) {
    if (row.wrapped_key === null) continue;
    try {
      updates.push({
        id: row.id,
        old: row.wrapped_key,
        rewrapped: await vault.rewrapKey(row.wrapped_key, kekId),
      });
    } catch (error) {
      failed.push({ id: row.id, reason: vaultFailureOf(error) ?? 'other' });
    }
  }
  let rewrapped = 0;
  if (updates.length > 0) {
    rewrapped = await db.transaction().execute(async (trx) => {
      let changed = 0;
      for (const update of updates) {
        const result = await trx
          .updateTable('vault_records')
          .set({ kek_id: vault.kekId, wrapped_key: update.rewrapped })
          .where('id', '=', update.id)
          .where('kek_id', '=', kekId)
          .where('wrapped_key', '=', update.old)
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
      return changed;
    });
  }
  const last = rows.at(-1)?.id;
  const next =
    last !== undefined && rows.length === options.limit
      ? { kekId, after: last }
      : await nextOldKek(db, vault.kekId, kekId).then((id) =>
          id === undefined ? undefined : { kekId: id, after: '' },
        );
  return { kekId, rewrapped, failed, lost: updates.length - rewrapped, next };
}

/**
 * The first KEK after `after` (in the database's order) that still wraps a live record and is
 * not the current one. `kek_id <> current` is asked as two ranges, below and above the current
 * id, so that each is a seek in the index, never a walk over the current KEK's records.
 */
async function nextOldKek(
  db: Kysely<Database>,
  current: string,
  after: string | undefined,
): Promise<string | undefined> {
  const first = (range: 'below' | 'above'): Promise<string | undefined> =>
    db
      .selectFrom('vault_records')
      .select('kek_id')
      .where('wrapped_key', 'is not', null)
      .where('kek_id', '>', after ?? '')
      .where('kek_id', range === 'below' ? '<' : '>', current)
      .orderBy('kek_id')
      .limit(1)
      .executeTakeFirst()
      .then((row) => row?.kek_id);
  return (await first('below')) ?? (await first('above'));
}
