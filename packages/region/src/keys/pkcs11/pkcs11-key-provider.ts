import { randomBytes } from 'node:crypto';
import { DomicileError } from '@domicile/protocol';
import { vaultError, type KeyProvider } from '../../vault/index.js';
import type { Pkcs11Handle, Pkcs11Template } from './pkcs11-binding.js';
import { findKek } from './pkcs11-key-lookup.js';
import type { Pkcs11Token } from './pkcs11-token.js';

/**
 * How a data key wrapped in a token is written: a scheme prefix, then the RFC 5649 output in
 * base64url. The file provider writes bare base64url, which never holds a `:`, so a wrapped key
 * says by itself which kind of provider made it.
 */
const WRAPPED_PREFIX = 'pkcs11:aes-kwp:';

/** Whether a vault record's wrapped key was made by a {@link Pkcs11KeyProvider}. */
export function isPkcs11WrappedKey(wrapped: string): boolean {
  return wrapped.startsWith(WRAPPED_PREFIX);
}

/** Options of {@link Pkcs11KeyProvider.open}. */
export interface Pkcs11KeyProviderOptions {
  /** Label of the current KEK in the token; also the `kekId` recorded beside each wrapped key. */
  readonly kekLabel: string;
  /** KEKs rotated out, by label: they still unwrap the records they wrapped, never wrap new ones. */
  readonly retiredKekLabels?: readonly string[];
}

/**
 * A {@link KeyProvider} whose KEKs are non-extractable AES-256 keys in a PKCS#11 token. Data keys
 * are wrapped and unwrapped inside the token with `CKM_AES_KEY_WRAP_PAD` (RFC 5649), the very
 * algorithm and bytes of the file provider: deterministic, with its own integrity check, so no
 * IV has to be stored or kept unique under a KEK that wraps millions of keys, and the KEK needs
 * only `CKA_WRAP`/`CKA_UNWRAP`, never `CKA_DECRYPT` (it cannot decrypt arbitrary data). The data
 * key is in the token only as a short-lived session object, destroyed after each call.
 */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly kekId: string;
  readonly #token: Pkcs11Token;
  readonly #keks: ReadonlyMap<string, Pkcs11Handle>;

  private constructor(token: Pkcs11Token, kekId: string, keks: ReadonlyMap<string, Pkcs11Handle>) {
    this.kekId = kekId;
    this.#token = token;
    this.#keks = keks;
  }

  /**
   * Finds every KEK and proves the current one wraps and unwraps, so a wrong key fails here
   * (`HSM_KEY_NOT_FOUND`, `HSM_KEY_UNSUITABLE`), not at the first card.
   */
  static async open(
    token: Pkcs11Token,
    options: Pkcs11KeyProviderOptions,
  ): Promise<Pkcs11KeyProvider> {
    const labels = [options.kekLabel, ...(options.retiredKekLabels ?? [])];
    const keks = await token.withSession(
      (session) => new Map(labels.map((label) => [label, findKek(token, session, label)])),
    );
    const provider = new Pkcs11KeyProvider(token, options.kekLabel, keks);
    const probe = randomBytes(32);
    const unwrapped = await provider
      .wrapKey(probe)
      .then((wrapped) => provider.unwrapKey(wrapped, options.kekLabel))
      .catch((cause: unknown) => {
        throw new DomicileError('HSM_KEY_UNSUITABLE', {
          details: { purpose: 'kek', label: options.kekLabel, reason: 'wrap_failed' },
          cause,
        });
      });
    if (!unwrapped.equals(probe))
      throw new DomicileError('HSM_KEY_UNSUITABLE', {
        details: { purpose: 'kek', label: options.kekLabel, reason: 'wrap_failed' },
      });
    return provider;
  }

  async wrapKey(dataKey: Buffer): Promise<string> {
    const kek = this.#kek(this.kekId);
    const { pkcs11, binding: b } = this.#token;
    try {
      const wrapped = await this.#token.withSession(async (session) => {
        const key = pkcs11.C_CreateObject(session, this.#dataKeyTemplate(dataKey));
        try {
          // RFC 5649 adds at most 15 bytes: an 8-byte integrity block and up to 7 of padding.
          const out = Buffer.alloc(dataKey.length + 16);
          return await pkcs11.C_WrapKeyAsync(
            session,
            { mechanism: b.CKM_AES_KEY_WRAP_PAD },
            kek,
            key,
            out,
          );
        } finally {
          pkcs11.C_DestroyObject(session, key);
        }
      });
      return `${WRAPPED_PREFIX}${wrapped.toString('base64url')}`;
    } catch (cause) {
      if (cause instanceof DomicileError) throw cause; // the token is closed
      throw new DomicileError('INTERNAL', { details: { reason: 'hsm_wrap_failed' }, cause });
    }
  }

  async unwrapKey(wrapped: string, kekId: string): Promise<Buffer> {
    const kek = this.#kek(kekId);
    if (!isPkcs11WrappedKey(wrapped))
      throw vaultError('key_unwrap_failed', new Error('not a PKCS#11 wrapped key'));
    const bytes = Buffer.from(wrapped.slice(WRAPPED_PREFIX.length), 'base64url');
    const { pkcs11, binding: b } = this.#token;
    try {
      return await this.#token.withSession(async (session) => {
        const key = await pkcs11.C_UnwrapKeyAsync(
          session,
          { mechanism: b.CKM_AES_KEY_WRAP_PAD },
          kek,
          bytes,
          this.#dataKeyTemplate(),
        );
        try {
          const [value] = pkcs11.C_GetAttributeValue(session, key, [{ type: b.CKA_VALUE }]);
          if (value?.value === undefined) throw new Error('no key value');
          return value.value;
        } finally {
          pkcs11.C_DestroyObject(session, key);
        }
      });
    } catch (cause) {
      if (cause instanceof DomicileError) throw cause; // the token is closed
      // The RFC 5649 integrity check failed (another KEK under this label, or a damaged key),
      // or the token failed: the vault cannot open the record either way.
      throw vaultError('key_unwrap_failed', cause);
    }
  }

  #kek(kekId: string): Pkcs11Handle {
    const kek = this.#keks.get(kekId);
    if (kek === undefined) throw vaultError('kek_unknown');
    return kek;
  }

  /**
   * A session object (gone with the session, never on the token) whose value the vault may
   * read: the data key leaves the token by design, as it does from a KMS's `Decrypt`.
   */
  #dataKeyTemplate(value?: Buffer): Pkcs11Template {
    const b = this.#token.binding;
    const template: Pkcs11Template = [
      { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
      { type: b.CKA_KEY_TYPE, value: b.CKK_AES },
      { type: b.CKA_TOKEN, value: false },
      { type: b.CKA_SENSITIVE, value: false },
      { type: b.CKA_EXTRACTABLE, value: true },
    ];
    return value === undefined ? template : [...template, { type: b.CKA_VALUE, value }];
  }
}
