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
  type RegionKeySet,
} from './region-keys.js';
export { NewestKeySigner, type ListedSigner } from './newest-key-signer.js';
export { describeValidity, rotateRegionKey, type RotationTimes } from './rotate-region-key.js';
export { readKeyFile } from './read-key-file.js';
export { fileRegionKeyring, type RegionKeyring } from './region-keyring.js';
