import { randomBytes } from 'node:crypto';
import { withTokenVaultKek } from '../../vault/index.js';
import type { RegionKey, RegionKeySet } from '../region-keys.js';
import { withRotatedKey, type RotationTimes } from '../rotate-region-key.js';
import { generatePkcs11Key } from './generate-pkcs11-keys.js';
import { findKek } from './pkcs11-key-lookup.js';
import { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11-token.js';

/** The purposes whose key a rotation can make in the token: the encryption key never is. */
export type Pkcs11RotationPurpose = 'signing' | 'tsm' | 'kek';

/** What {@link rotateRegionKeyInToken} made: the new key set and the new key's id (its label). */
export interface Pkcs11Rotation {
  readonly keys: RegionKeySet;
  /** The new key's `kid`, or the new KEK's id: its label in the token. */
  readonly kid: string;
  /** The key it replaces as the one in use (the newest listed before). */
  readonly previousKid: string | undefined;
  /** The new signing or TSM key's entry (public half only); undefined for a KEK. */
  readonly key?: RegionKey;
}

/**
 * `domicile keys rotate --hsm`: makes the purpose's new key inside the token, non-extractable,
 * under the label `<region>-<purpose>-<8 hex>` (as `keys generate --hsm` names them), and lists
 * it in the key set: a signing or TSM key by its public half, its `kid` the label, the keys it
 * replaces given a `notAfter` (`withRotatedKey`); a KEK by its id alone, current from now on, the
 * old KEKs kept for the records not yet re-wrapped. The caller saves the key set; the token
 * object exists from here on, so a key set left unsaved only leaves an unused object behind.
 */
export async function rotateRegionKeyInToken(
  token: Pkcs11Token,
  keys: RegionKeySet,
  purpose: Pkcs11RotationPurpose,
  times: RotationTimes & { readonly suffix?: string },
): Promise<Pkcs11Rotation> {
  const label = `${keys.region}-${purpose}-${times.suffix ?? randomBytes(4).toString('hex')}`;
  if (purpose === 'kek') {
    const previousKid = keys.secrets.vaultKekId;
    const secrets = withTokenVaultKek(
      keys.secrets,
      label,
      times.now === undefined ? new Date() : new Date(times.now * 1000),
    );
    await generatePkcs11Key(token, 'kek', label);
    return { keys: { ...keys, secrets }, kid: label, previousKid };
  }
  const previousKid = keys[purpose].at(-1)?.kid;
  const made = await generatePkcs11Key(token, purpose, label);
  if (made === undefined) throw new Error('a signing key pair has a public half');
  // The kid is the label: the JWS header names the key the region looks up in the token.
  const rotated = withRotatedKey(keys, purpose, { ...made, kid: label }, times);
  return { keys: rotated.keys, kid: label, previousKid, key: rotated.key };
}

/** {@link rotateRegionKeyInToken} in a token opened for it and closed again. */
export async function rotateRegionKeyInHsm(
  options: Pkcs11TokenOptions,
  keys: RegionKeySet,
  purpose: Pkcs11RotationPurpose,
  times: RotationTimes,
): Promise<Pkcs11Rotation> {
  const token = await Pkcs11Token.open(options);
  try {
    return await rotateRegionKeyInToken(token, keys, purpose, times);
  } finally {
    await token.close();
  }
}

/**
 * Destroys a retired KEK's object in the token (`keys retire --purpose kek --destroy`): once
 * gone, no backup of the key file brings it back, and nothing wrapped under it can be opened
 * again. `HSM_KEY_NOT_FOUND` when the token has no KEK under the label; only a KEK (an AES key
 * allowed to wrap) is ever destroyed here, never a signing key under a mistyped label.
 */
export async function destroyPkcs11Kek(options: Pkcs11TokenOptions, label: string): Promise<void> {
  const token = await Pkcs11Token.open(options);
  try {
    await token.withSession((session) => {
      const kek = findKek(token, session, label);
      token.pkcs11.C_DestroyObject(session, kek);
    });
  } finally {
    await token.close();
  }
}
