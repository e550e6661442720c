import { randomBytes } from 'node:crypto';
import { epochSeconds } from '@domicile/protocol';
import { generateRegionKeySet, type RegionKeySet } from '../region-keys.js';
import { generatePkcs11RegionKeys } from './generate-pkcs11-keys.js';
import { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11-token.js';

/** Options of {@link generatePkcs11RegionKeySet}. */
export interface Pkcs11RegionKeySetOptions {
  readonly region: string;
  /** Suffix of the three labels; default 8 random hex digits, so that labels never collide. */
  readonly suffix?: string;
}

/**
 * A region's key set with its signing key, TSM key and vault KEK made in the token (`domicile
 * keys generate --hsm`): the file keeps their public halves and the KEK's id, each the label of
 * its key in the token (`<region>-signing-<suffix>`, `-tsm-`, `-kek-`), so the region finds them
 * by the key file alone (`openRegionKeyring`). The encryption key, the HMAC keys and the issuer
 * master key are made and kept in the file as for file keys.
 */
export async function generatePkcs11RegionKeySet(
  token: Pkcs11Token,
  options: Pkcs11RegionKeySetOptions,
): Promise<RegionKeySet> {
  const { region } = options;
  const suffix = options.suffix ?? randomBytes(4).toString('hex');
  const labels = {
    signing: `${region}-signing-${suffix}`,
    tsm: `${region}-tsm-${suffix}`,
    kek: `${region}-kek-${suffix}`,
  };
  const inToken = await generatePkcs11RegionKeys(token, labels);
  const file = await generateRegionKeySet(region);
  const { panHashKey, pseudonymKey, issuerMasterKey } = file.secrets;
  const notBefore = file.encryption[0]?.notBefore ?? epochSeconds();
  return {
    region,
    // The kid is the label: the JWS header names the key the region looks up.
    // notBefore and createdAt date each key for the residency report's key inventory.
    signing: [{ ...inToken.signing, kid: labels.signing, notBefore }],
    encryption: file.encryption,
    tsm: [{ ...inToken.tsm, kid: labels.tsm, notBefore }],
    secrets: {
      vaultKekId: inToken.kekId,
      vaultKeks: [{ id: inToken.kekId, createdAt: new Date(notBefore * 1000).toISOString() }],
      panHashKey,
      pseudonymKey,
      issuerMasterKey,
    },
  };
}

/**
 * {@link generatePkcs11RegionKeySet} for each of `regions`, in one token opened and closed here
 * (`domicile keys generate --hsm`).
 */
export async function generateRegionKeySetsInToken(
  options: Pkcs11TokenOptions,
  regions: readonly string[],
): Promise<RegionKeySet[]> {
  const token = await Pkcs11Token.open(options);
  try {
    const sets: RegionKeySet[] = [];
    for (const region of regions) sets.push(await generatePkcs11RegionKeySet(token, { region }));
    return sets;
  } finally {
    await token.close();
  }
}
