import { randomBytes } from 'node:crypto';
import { DomicileError, definedProps } from '@domicile/protocol';

/**
 * One vault KEK of a region key file. Without `key` it lives in the region's PKCS#11 token under
 * the label `id`: only the HSM key provider can use it.
 */
export interface VaultKek {
  readonly id: string;
  /** AES-256 key, base64url; absent for a KEK kept in the HSM. */
  readonly key?: string;
  /** When it was made (ISO 8601); unknown for the first KEK of a file made before rotation. */
  readonly createdAt?: string;
}

/**
 * The vault secrets of a region key file, typed by what is read, so that the vault does not
 * depend on `keys/` (which builds on the vault). `vaultKek` under `vaultKekId` is the current
 * KEK; `vaultKeks`, written by the first rotation, lists every KEK that may still wrap a record.
 */
export interface VaultKekSecrets {
  readonly vaultKekId: string;
  /** Absent when the current KEK lives in the HSM, under the label `vaultKekId`. */
  readonly vaultKek?: string;
  readonly vaultKeks?: readonly { id: string; key?: string; createdAt?: string }[];
}

/**
 * Every KEK of a key file, the current one included, oldest first. A file from before KEK
 * rotation has only `vaultKek`: it is the one KEK. The current KEK's material is `vaultKek`
 * whatever its list entry says, so a reader of the old single-KEK fields always agrees.
 */
export function vaultKeksOf(secrets: VaultKekSecrets): VaultKek[] {
  const current: VaultKek = {
    id: secrets.vaultKekId,
    ...definedProps({ key: secrets.vaultKek }),
  };
  const keks = secrets.vaultKeks ?? [];
  const entry = keks.find((kek) => kek.id === secrets.vaultKekId);
  return [
    ...keks.filter((kek) => kek.id !== secrets.vaultKekId).map(listed),
    { ...current, ...definedProps({ createdAt: entry?.createdAt }) },
  ];
}

/**
 * The key file's secrets after a KEK rotation: a new random AES-256 KEK becomes the current one
 * (it wraps every new record, and the re-wrap worker moves the old records to it); the old ones
 * stay listed until they are retired, so their records still open meanwhile. Its id is
 * `<region>-kek-<n>`, n one more than the highest of the file.
 */
export function withNewVaultKek<S extends VaultKekSecrets>(
  region: string,
  secrets: S,
  now: Date = new Date(),
): { secrets: S; kekId: string } {
  const keks = vaultKeksOf(secrets);
  const numbers = keks.map((kek) => Number(/-kek-(\d+)$/.exec(kek.id)?.[1] ?? 0));
  const kekId = `${region}-kek-${Math.max(0, ...numbers) + 1}`;
  const key = randomBytes(32).toString('base64url');
  const createdAt = now.toISOString();
  // Only the three KEK fields change; the rest of `S` is carried over as it is.
  const rotated = {
    ...secrets,
    vaultKek: key,
    vaultKekId: kekId,
    vaultKeks: [...keks.map(listed), { id: kekId, key, createdAt }],
  } as S;
  return { kekId, secrets: rotated };
}

/**
 * The key file's secrets after a KEK rotation into the HSM: the KEK made in the token under the
 * label `kekId` becomes the current one, listed without material (and `vaultKek` is dropped);
 * the old KEKs, in the file or in the token, stay listed until they are retired.
 */
export function withTokenVaultKek<S extends VaultKekSecrets>(
  secrets: S,
  kekId: string,
  now: Date = new Date(),
): S {
  const keks = vaultKeksOf(secrets);
  if (keks.some((kek) => kek.id === kekId))
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'the key file already lists this KEK id', kekId },
    });
  // Only the three KEK fields change (`vaultKek` goes); the rest of `S` is carried over as it is.
  const rotated: { vaultKek?: string } = {
    ...secrets,
    vaultKekId: kekId,
    vaultKeks: [...keks.map(listed), { id: kekId, createdAt: now.toISOString() }],
  };
  delete rotated.vaultKek;
  return rotated as unknown as S;
}

/**
 * The key file's secrets without a retired KEK. Refuses the current KEK (`VAULT_KEK_IN_USE`,
 * reason `current`) and an id the file does not hold (`VAULT_KEK_UNKNOWN`); whether records still
 * use it is the caller's check, against the database (`vault-rewrap/retire-vault-kek.ts`).
 */
export function withoutVaultKek<S extends VaultKekSecrets>(secrets: S, kekId: string): S {
  if (kekId === secrets.vaultKekId)
    throw new DomicileError('VAULT_KEK_IN_USE', { details: { kekId, reason: 'current' } });
  const keks = vaultKeksOf(secrets);
  if (!keks.some((kek) => kek.id === kekId))
    throw new DomicileError('VAULT_KEK_UNKNOWN', { details: { kekId } });
  return { ...secrets, vaultKeks: keks.filter((kek) => kek.id !== kekId).map(listed) };
}

/** A KEK as the file lists it. */
function listed(kek: VaultKek): { id: string; key?: string; createdAt?: string } {
  return { id: kek.id, ...definedProps({ key: kek.key, createdAt: kek.createdAt }) };
}
