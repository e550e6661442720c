import { LocalKeyProvider, type KeyProvider } from '../vault/index.js';
import { FileJwsSigner, type JwsSigner } from './jws-signer.js';
import { NewestKeySigner } from './newest-key-signer.js';
import { privateJwkOf, type RegionKey, type RegionKeySet } from './region-keys.js';

/**
 * The region keys that may live in an HSM, as the region uses them: the two signers and the
 * vault's key provider. The key file's other secrets (encryption key, HMAC keys, issuer master
 * key) stay in {@link RegionKeySet}. Made once at start, closed once at shutdown.
 */
export interface RegionKeyring {
  /** Signs what the region vouches for: redirect assertions, provisioning data, webhooks. */
  readonly signing: JwsSigner;
  /** The TSM's key: signs personalization scripts. */
  readonly tsm: JwsSigner;
  /** Wraps the vault's data keys under the KEK. */
  readonly keyProvider: KeyProvider;
  /** Releases what the keys hold (HSM sessions); a no-op for file keys. */
  close(): Promise<void>;
}

/**
 * The keyring of a region key file: the embedded default. Each signer signs with the newest
 * active key of its purpose (keys rotate); `CONFIG_INVALID` if a key has no private half.
 */
export function fileRegionKeyring(keys: RegionKeySet): RegionKeyring {
  const signer = (list: readonly RegionKey[]): JwsSigner =>
    new NewestKeySigner(
      list.map((k) => ({
        kid: k.kid,
        ...(k.notBefore === undefined ? {} : { notBefore: k.notBefore }),
        ...(k.notAfter === undefined ? {} : { notAfter: k.notAfter }),
        signer: new FileJwsSigner(privateJwkOf(k)),
      })),
    );
  return {
    signing: signer(keys.signing),
    tsm: signer(keys.tsm),
    keyProvider: LocalKeyProvider.fromKeySet(keys),
    close: () => Promise.resolve(),
  };
}
