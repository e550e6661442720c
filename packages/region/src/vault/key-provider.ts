/**
 * Wraps and unwraps the vault's per-record data keys under a key-encryption key (KEK). The vault
 * only ever sees wrapped keys and KEK ids, so a KMS or HSM provider, where the KEK never leaves
 * the device, can replace {@link LocalKeyProvider} without touching the vault.
 */
export interface KeyProvider {
  /** The id of the KEK that `wrapKey` uses now; recorded beside each wrapped key. */
  readonly kekId: string;
  /** Wraps a data key under the current KEK; the result is text, safe to store. */
  wrapKey(dataKey: Buffer): Promise<string>;
  /** Unwraps a data key wrapped under `kekId` (the current or a retired KEK). */
  unwrapKey(wrapped: string, kekId: string): Promise<Buffer>;
}
