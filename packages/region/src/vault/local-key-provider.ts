import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { DomicileError } from '@domicile/protocol';
import type { KeyProvider } from './key-provider.js';
import { vaultError } from './vault-error.js';
import { vaultKeksOf, type VaultKekSecrets } from './vault-keks.js';

// RFC 5649 (AES key wrap with padding): a standard, integrity-checked wrap, so no IV or tag has
// to be stored beside the wrapped key. This is the RFC's fixed alternative initial value.
const WRAP_ALG = 'id-aes256-wrap-pad';
const WRAP_IV = Buffer.from('A65959A6', 'hex');

/** Options of {@link LocalKeyProvider}. */
export interface LocalKeyProviderOptions {
  /** Id of the current KEK. */
  readonly kekId: string;
  /** The current KEK: 32 bytes (AES-256). */
  readonly kek: Buffer;
  /** KEKs rotated out, by id: they still unwrap the records they wrapped, never wrap new ones. */
  readonly retired?: ReadonlyMap<string, Buffer>;
}

/**
 * A {@link KeyProvider} holding the KEK in process memory, read from the region key file
 * (`secrets.vaultKek`). Right for the embedded default and tests; production replaces it with a
 * KMS- or HSM-backed provider.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly kekId: string;
  // As KeyObjects: node:crypto checks a raw key by throwing and catching two errors per cipher.
  readonly #keks: ReadonlyMap<string, KeyObject>;

  constructor(options: LocalKeyProviderOptions) {
    const keks = new Map(options.retired ?? []);
    keks.set(options.kekId, options.kek);
    for (const kek of keks.values()) {
      if (kek.length !== 32)
        throw new DomicileError('CONFIG_INVALID', {
          details: { reason: 'vault KEK must be 32 bytes' },
        });
    }
    this.kekId = options.kekId;
    this.#keks = new Map([...keks].map(([id, kek]) => [id, createSecretKey(kek)]));
  }

  /**
   * The provider of a region key file: `secrets.vaultKek` (base64url) under `secrets.vaultKekId`
   * wraps, and every other KEK the file lists with its material still unwraps (a KEK listed
   * without material lives in the HSM: it is the PKCS#11 provider's). Typed by what it reads, so
   * the vault does not depend on `keys/` (which builds on the vault).
   */
  static fromKeySet(keys: { readonly secrets: VaultKekSecrets }): LocalKeyProvider {
    if (keys.secrets.vaultKek === undefined)
      throw new DomicileError('CONFIG_INVALID', {
        details: {
          purpose: 'kek',
          reason: 'the key file holds no current vault KEK: it is in an HSM',
        },
      });
    const retired = new Map<string, Buffer>();
    for (const kek of vaultKeksOf(keys.secrets))
      if (kek.id !== keys.secrets.vaultKekId && kek.key !== undefined)
        retired.set(kek.id, Buffer.from(kek.key, 'base64url'));
    return new LocalKeyProvider({
      kekId: keys.secrets.vaultKekId,
      kek: Buffer.from(keys.secrets.vaultKek, 'base64url'),
      retired,
    });
  }

  wrapKey(dataKey: Buffer): Promise<string> {
    return settle(() => {
      const cipher = createCipheriv(WRAP_ALG, this.#kek(this.kekId), WRAP_IV);
      return Buffer.concat([cipher.update(dataKey), cipher.final()]).toString('base64url');
    });
  }

  unwrapKey(wrapped: string, kekId: string): Promise<Buffer> {
    return settle(() => {
      const kek = this.#kek(kekId);
      try {
        const decipher = createDecipheriv(WRAP_ALG, kek, WRAP_IV);
        return Buffer.concat([
          decipher.update(Buffer.from(wrapped, 'base64url')),
          decipher.final(),
        ]);
      } catch (cause) {
        // The RFC 5649 integrity check failed: another KEK under this id, or a damaged wrapped key.
        throw vaultError('key_unwrap_failed', cause);
      }
    });
  }

  #kek(kekId: string): KeyObject {
    const kek = this.#keks.get(kekId);
    if (kek === undefined) throw vaultError('kek_unknown');
    return kek;
  }
}

// The work is synchronous, but the interface is async (a KMS is remote): failures must reject.
function settle<T>(work: () => T): Promise<T> {
  return Promise.resolve().then(work);
}
