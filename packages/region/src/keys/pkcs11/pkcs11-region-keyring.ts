import { definedProps } from '@domicile/protocol';
import type { RegionKeyring } from '../region-keyring.js';
import { Pkcs11JwsSigner } from './pkcs11-jws-signer.js';
import { Pkcs11KeyProvider } from './pkcs11-key-provider.js';
import { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11-token.js';

/** Labels of the region's keys in the token. */
export interface Pkcs11RegionKeyLabels {
  readonly signing: string;
  readonly tsm: string;
  readonly kek: string;
}

/** Options of {@link openPkcs11RegionKeyring}: the token, and the labels of the keys in it. */
export interface Pkcs11RegionKeyringOptions extends Pkcs11TokenOptions {
  readonly labels: Pkcs11RegionKeyLabels;
  /** KEKs rotated out, by label: they still unwrap the records they wrapped. */
  readonly retiredKekLabels?: readonly string[];
}

/**
 * Opens the region's keys in a PKCS#11 token, the HSM counterpart of `fileRegionKeyring`.
 * Everything that can be wrong fails here, before the region serves: `CONFIG_INVALID` (PIN
 * file), `HSM_MODULE_UNAVAILABLE`, `HSM_TOKEN_NOT_FOUND`, `HSM_PIN_REJECTED`, `HSM_KEY_NOT_FOUND`
 * and `HSM_KEY_UNSUITABLE`.
 */
export async function openPkcs11RegionKeyring(
  options: Pkcs11RegionKeyringOptions,
): Promise<RegionKeyring> {
  const token = await Pkcs11Token.open(options);
  try {
    const [signing, tsm, keyProvider] = await Promise.all([
      Pkcs11JwsSigner.open(token, options.labels.signing, 'signing'),
      Pkcs11JwsSigner.open(token, options.labels.tsm, 'tsm'),
      Pkcs11KeyProvider.open(token, {
        kekLabel: options.labels.kek,
        ...definedProps({ retiredKekLabels: options.retiredKekLabels }),
      }),
    ]);
    return { signing, tsm, keyProvider, close: () => token.close() };
  } catch (error) {
    await token.close();
    throw error;
  }
}
