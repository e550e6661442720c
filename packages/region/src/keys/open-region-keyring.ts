import { toPublicJwk } from '@domicile/protocol';
import type { JwsSigner } from './jws-signer.js';
import { Pkcs11JwsSigner } from './pkcs11/pkcs11-jws-signer.js';
import { openListedKekProvider } from './pkcs11/listed-kek-provider.js';
import { vaultKeksOf } from '../vault/index.js';
import type { Pkcs11KeyPurpose } from './pkcs11/pkcs11-key-lookup.js';
import { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11/pkcs11-token.js';
import type { RegionKey, RegionKeySet } from './region-keys.js';
import {
  fileJwsSigner,
  fileKeyProvider,
  fileRegionKeyring,
  newestKeySigner,
  type RegionKeyring,
} from './region-keyring.js';

/**
 * Where the region's keys that may live in an HSM are: all in the key file (the embedded
 * default), or in a PKCS#11 token for every key the key file holds without its secret.
 */
export type KeyProviderConfig =
  { readonly kind: 'file' } | { readonly kind: 'pkcs11'; readonly token: Pkcs11TokenOptions };

/**
 * Opens the region's keyring from its key file and key provider. A signing or TSM key without
 * its private half (`d`), and a vault KEK without its value, are looked up in the token under
 * the label of their `kid` (a KEK: its id), old keys and retired KEKs still listed included; a
 * key the file holds whole is used from the file. Every key is found and tried here, so a wrong PIN, a missing module or a missing label
 * fails before the region serves (`HSM_*`, `CONFIG_INVALID`).
 */
export async function openRegionKeyring(
  keys: RegionKeySet,
  provider: KeyProviderConfig = { kind: 'file' },
): Promise<RegionKeyring> {
  if (provider.kind === 'file') return fileRegionKeyring(keys);
  const token = await Pkcs11Token.open(provider.token);
  try {
    const signer = (key: RegionKey, purpose: Pkcs11KeyPurpose): Promise<JwsSigner> =>
      key.d === undefined
        ? Pkcs11JwsSigner.open(token, key.kid, purpose, { expected: toPublicJwk(key) })
        : Promise.resolve(fileJwsSigner(key, purpose));
    // Every listed key is opened now (old and new): a rotation to a key the token lacks fails here.
    const newest = async (list: readonly RegionKey[], purpose: Pkcs11KeyPurpose) => {
      const signers = new Map<string, JwsSigner>();
      for (const key of list) signers.set(key.kid, await signer(key, purpose));
      return newestKeySigner(list, (key) => signers.get(key.kid) as JwsSigner);
    };
    // Any KEK in the token (current or not yet retired) needs it: records may name each of them.
    const tokenKeks = vaultKeksOf(keys.secrets).some((kek) => kek.key === undefined);
    const [signing, tsm, keyProvider] = await Promise.all([
      newest(keys.signing, 'signing'),
      newest(keys.tsm, 'tsm'),
      tokenKeks
        ? openListedKekProvider(token, keys.secrets)
        : Promise.resolve(fileKeyProvider(keys)),
    ]);
    return { signing, tsm, keyProvider, close: () => token.close() };
  } catch (error) {
    await token.close();
    throw error;
  }
}
