import type { Kysely } from 'kysely';
import { DomicileError } from '@domicile/protocol';
import type { Database } from '../storage/index.js';
import { withoutVaultKek, type VaultKekSecrets } from '../vault/index.js';
import { vaultRecordsUnder } from './kek-usage.js';

/**
 * The key file's secrets without the vault KEK `kekId`, once no live record uses it: refused
 * with `VAULT_KEK_IN_USE` (`details.records`) while the re-wrap has records left under it, and
 * for the current KEK; `VAULT_KEK_UNKNOWN` for an id the file does not hold. An erased record
 * does not count: its key is gone, and nothing will ever unwrap it again.
 */
export async function retireVaultKek<S extends VaultKekSecrets>(
  db: Kysely<Database>,
  secrets: S,
  kekId: string,
): Promise<S> {
  const retired = withoutVaultKek(secrets, kekId);
  const records = await vaultRecordsUnder(db, kekId);
  if (records > 0) throw new DomicileError('VAULT_KEK_IN_USE', { details: { kekId, records } });
  return retired;
}
