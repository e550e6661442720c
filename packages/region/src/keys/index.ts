export { FileJwsSigner, jwsSigningInput, type JwsSigner } from './jws-signer.js';
export {
  REGION_KEY_PURPOSES,
  RegionKeySetSchema,
  acceptedRegionKey,
  activePrivateJwk,
  activeRegionKey,
  checkKeysListed,
  directoryKeysOf,
  generateRegionKeySet,
  loadRegionKeySet,
  privateJwkOf,
  publicKeysOf,
  saveRegionKeySet,
  type RegionKey,
  type RegionKeyPurpose,
  type FileRegionKeySet,
  type RegionKeySet,
} from './region-keys.js';
export { NewestKeySigner, type ListedSigner } from './newest-key-signer.js';
export {
  describeValidity,
  rotateRegionKey,
  withRotatedKey,
  type RotationTimes,
} from './rotate-region-key.js';
export {
  destroyPkcs11Kek,
  rotateRegionKeyInHsm,
  rotateRegionKeyInToken,
  type Pkcs11Rotation,
  type Pkcs11RotationPurpose,
} from './pkcs11/rotate-pkcs11-key.js';
export { pseudonymKeysOf, type PseudonymKeys } from './pseudonym-keys.js';
export { readKeyFile } from './read-key-file.js';
export { fileKeyProvider, fileRegionKeyring, type RegionKeyring } from './region-keyring.js';
export { openRegionKeyring, type KeyProviderConfig } from './open-region-keyring.js';
export {
  generatePkcs11RegionKeySet,
  generateRegionKeySetsInToken,
  type Pkcs11RegionKeySetOptions,
} from './pkcs11/generate-pkcs11-key-set.js';
export type { Pkcs11TokenOptions } from './pkcs11/pkcs11-token.js';
