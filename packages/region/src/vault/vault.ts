import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { DomicileError, isCardNumber } from '@domicile/protocol';
import type { Database, VaultRecordRow, VaultRecordsTable } from '../storage/index.js';
import type { KeyProvider } from './key-provider.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { vaultError } from './vault-error.js';
import type { VaultKekSecrets } from './vault-keks.js';

/** What the vault keeps of a card. There is deliberately no CVV: the vault never stores one. */
export interface VaultCard {
  readonly pan: string;
  readonly expiry: { readonly month: number; readonly year: number };
  readonly name: string;
}

/**
 * The card hash of the sealed record whose id is in `column` of the outer query (what
 * de-duplication compares), without opening it: a subquery, for a statement that reads it with
 * its own row. Null when there is no such record.
 */
export function panHashOfRecord(db: Kysely<Database>, column: string) {
  return db
    .selectFrom('vault_records')
    .select('vault_records.pan_hash')
    .where('vault_records.id', '=', sql.ref<string>(column));
}

/** Options of {@link Vault}. */
export interface VaultOptions {
  readonly keyProvider: KeyProvider;
  /** HMAC-SHA-256 key of the card-number hash (`secrets.panHashKey`), at least 32 bytes. */
  readonly panHashKey: Buffer;
}

/**
 * The region's card vault (DESIGN: vault): envelope encryption, one fresh AES-256 data key per
 * record, wrapped by the {@link KeyProvider}'s KEK. Rows are built by {@link Vault.seal} and written
 * by the caller inside its own transaction, so the vault write commits with the tokenization.
 */
export class Vault {
  readonly #keyProvider: KeyProvider;
  // KeyObjects, here and for each data key: node:crypto checks a raw key by throwing and catching
  // two errors per call, which costs more than the HMAC or the cipher itself.
  readonly #panHashKey: KeyObject;

  constructor(options: VaultOptions) {
    if (options.panHashKey.length < 32)
      throw new DomicileError('CONFIG_INVALID', {
        details: { reason: 'pan hash key must be at least 32 bytes' },
      });
    this.#keyProvider = options.keyProvider;
    this.#panHashKey = createSecretKey(options.panHashKey);
  }

  /** The vault of a region key file (a `RegionKeySet`): its local KEK and its card-number hash key. */
  static fromKeySet(keys: {
    readonly secrets: VaultKekSecrets & { readonly panHashKey: string };
  }): Vault {
    return new Vault({
      keyProvider: LocalKeyProvider.fromKeySet(keys),
      panHashKey: Buffer.from(keys.secrets.panHashKey, 'base64url'),
    });
  }

  /** The id of the KEK new records are wrapped under; a record under another one is re-wrapped. */
  get kekId(): string {
    return this.#keyProvider.kekId;
  }

  /**
   * A record's data key wrapped anew under the current KEK, for KEK rotation: unwrapped with the
   * record's own KEK, wrapped with the current one, and unwrapped again to prove the new wrap
   * gives back the same key before anything is written. The caller writes the result in place
   * of `wrapped` only if the row still holds `wrapped` under `kekId` (compare-and-set), so the
   * record is always readable under whichever KEK its row names. Fails as {@link Vault.open}
   * does (`kek_unknown`, `key_unwrap_failed`), and with `key_unwrap_failed` if the check fails.
   */
  async rewrapKey(wrapped: string, kekId: string): Promise<string> {
    const dataKey = await this.#keyProvider.unwrapKey(wrapped, kekId);
    let check: Buffer | undefined;
    try {
      const rewrapped = await this.#keyProvider.wrapKey(dataKey);
      check = await this.#keyProvider.unwrapKey(rewrapped, this.#keyProvider.kekId);
      if (!timingSafeEqualKeys(check, dataKey))
        throw vaultError('key_unwrap_failed', new Error('the new wrap gives another key'));
      return rewrapped;
    } finally {
      dataKey.fill(0);
      check?.fill(0);
    }
  }

  /** Keyed hash of a card number (HMAC-SHA-256, base64url): finds duplicates without the number. */
  panHash(pan: string): string {
    return createHmac('sha256', this.#panHashKey).update(pan, 'utf8').digest('base64url');
  }

  /**
   * Encrypts a card into a complete `vault_records` row, not yet written: the caller inserts it
   * ({@link Vault.insert}) in the transaction that tokenizes the card. The record id is the
   * AES-GCM additional data, so a ciphertext moved to another row no longer decrypts.
   */
  async seal(
    card: VaultCard,
    id: string = randomBytes(16).toString('base64url'),
  ): Promise<VaultRecordRow> {
    if (!isCardNumber(card.pan)) throw new DomicileError('CARD_DETAILS_INVALID');
    // Only the named fields are serialized: a stray property (a CVV) on `card` never reaches the row.
    const plaintext = JSON.stringify({
      pan: card.pan,
      expiry: { month: card.expiry.month, year: card.expiry.year },
      name: card.name,
    });
    const dataKey = randomBytes(32);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', createSecretKey(dataKey), iv);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        id,
        pan_hash: this.panHash(card.pan),
        kek_id: this.#keyProvider.kekId,
        wrapped_key: await this.#keyProvider.wrapKey(dataKey),
        iv: iv.toString('base64url'),
        ciphertext: ciphertext.toString('base64url'),
        tag: cipher.getAuthTag().toString('base64url'),
        created_at: new Date().toISOString(),
        erased_at: null,
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Writes a sealed row; pass the transaction that also writes what refers to it. */
  async insert(trx: Kysely<Database>, row: Insertable<VaultRecordsTable>): Promise<void> {
    await trx.insertInto('vault_records').values(row).execute();
  }

  /**
   * Decrypts a record (de-tokenization). Fails with `VAULT_RECORD_ERASED` (reason `record_erased`)
   * for a crypto-shredded record, else `INTERNAL` with `details.reason` `record_not_found`,
   * `kek_unknown`, `key_unwrap_failed` or `decryption_failed`.
   */
  async open(db: Kysely<Database>, id: string): Promise<VaultCard> {
    const row = await db
      .selectFrom('vault_records')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return this.openRecord(row);
  }

  /**
   * Decrypts a record its caller read itself (undefined: there was none), for a caller that reads
   * it with other rows in one statement. Fails as {@link Vault.open} does.
   */
  async openRecord(row: VaultRecordRow | undefined): Promise<VaultCard> {
    if (row === undefined) throw vaultError('record_not_found');
    if (row.wrapped_key === null || row.erased_at !== null) throw vaultError('record_erased');
    const dataKey = await this.#keyProvider.unwrapKey(row.wrapped_key, row.kek_id);
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        createSecretKey(dataKey),
        Buffer.from(row.iv, 'base64url'),
      );
      decipher.setAAD(Buffer.from(row.id, 'utf8'));
      decipher.setAuthTag(Buffer.from(row.tag, 'base64url'));
      const plaintext = Buffer.concat([
        decipher.update(Buffer.from(row.ciphertext, 'base64url')),
        decipher.final(),
      ]);
      const card = JSON.parse(plaintext.toString('utf8')) as VaultCard;
      return {
        pan: card.pan,
        expiry: { month: card.expiry.month, year: card.expiry.year },
        name: card.name,
      };
    } catch (cause) {
      throw vaultError('decryption_failed', cause);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Crypto-shredding: destroys the record's wrapped data key, so its ciphertext can never be
   * opened again. Idempotent; true when this call erased a live record.
   */
  async erase(trx: Kysely<Database>, id: string): Promise<boolean> {
    const result = await trx
      .updateTable('vault_records')
      .set({ wrapped_key: null, erased_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('erased_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function timingSafeEqualKeys(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
