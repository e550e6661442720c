import { DomicileError } from '@domicile/protocol';
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
  /**
   * Signs what the region vouches for: redirect assertions, provisioning data, webhooks,
   * region-to-region requests, issuer gateway requests (and audit checkpoints).
   */
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
 * active key of its purpose (keys rotate). `CONFIG_INVALID` when the file holds only the public
 * half of a key (or only the KEK's id): that key is in an HSM.
 */
export function fileRegionKeyring(keys: RegionKeySet): RegionKeyring {
  return {
    signing: newestKeySigner(keys.signing, (k) => fileJwsSigner(k, 'signing')),
    tsm: newestKeySigner(keys.tsm, (k) => fileJwsSigner(k, 'tsm')),
    keyProvider: fileKeyProvider(keys),
    close: () => Promise.resolve(),
  };
}

/** A signer over a purpose's list of keys that signs with the newest active one. */
export function newestKeySigner(
  keys: readonly RegionKey[],
  signerOf: (key: RegionKey) => JwsSigner,
): JwsSigner {
  return new NewestKeySigner(
    keys.map((k) => ({
      kid: k.kid,
      ...(k.notBefore === undefined ? {} : { notBefore: k.notBefore }),
      ...(k.notAfter === undefined ? {} : { notAfter: k.notAfter }),
      signer: signerOf(k),
    })),
  );
}

/** The signer of a key file entry that holds its private half. */
export function fileJwsSigner(key: RegionKey, purpose: string): JwsSigner {
  if (key.d === undefined) throw keptInHsm(purpose);
  return new FileJwsSigner(privateJwkOf(key));
}

/** The key provider of a key file that holds the vault KEK's value (and any older KEKs). */
export function fileKeyProvider(keys: RegionKeySet): KeyProvider {
  if (keys.secrets.vaultKek === undefined) throw keptInHsm('kek');
  return LocalKeyProvider.fromKeySet(keys);
}

function keptInHsm(purpose: string): DomicileError {
  return new DomicileError('CONFIG_INVALID', {
    details: {
      purpose,
      reason: 'the key file has no secret for this key: it is in an HSM (key provider pkcs11)',
    },
  });
}
