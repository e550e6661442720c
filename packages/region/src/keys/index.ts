export { FileJwsSigner, jwsSigningInput, type JwsSigner } from './jws-signer.js';
export {
  RegionKeySetSchema,
  generateRegionKeySet,
  loadRegionKeySet,
  publicKeysOf,
  saveRegionKeySet,
  type RegionKeySet,
} from './region-keys.js';
export { readKeyFile } from './read-key-file.js';
export { fileRegionKeyring, type RegionKeyring } from './region-keyring.js';
