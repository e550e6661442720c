import { LocalKeyProvider, type KeyProvider } from '../vault/index.js';
import { FileJwsSigner, type JwsSigner } from './jws-signer.js';
import type { RegionKeySet } from './region-keys.js';

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

/** The keyring of a region key file: the embedded default. */
export function fileRegionKeyring(keys: RegionKeySet): RegionKeyring {
  return {
    signing: new FileJwsSigner(keys.signing),
    tsm: new FileJwsSigner(keys.tsm),
    keyProvider: LocalKeyProvider.fromKeySet(keys),
    close: () => Promise.resolve(),
  };
}
