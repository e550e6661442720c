export { FileJwsSigner, jwsSigningInput, type JwsSigner } from './jws-signer.js';
export {
  RegionKeySetSchema,
  generateRegionKeySet,
  loadRegionKeySet,
  publicKeysOf,
  saveRegionKeySet,
  type FileRegionKeySet,
  type RegionKeySet,
  type RegionSigningJwk,
} from './region-keys.js';
export { readKeyFile } from './read-key-file.js';
export { fileKeyProvider, fileRegionKeyring, type RegionKeyring } from './region-keyring.js';
export { openRegionKeyring, type KeyProviderConfig } from './open-region-keyring.js';
export {
  generatePkcs11RegionKeySet,
  generateRegionKeySetsInToken,
  type Pkcs11RegionKeySetOptions,
} from './pkcs11/generate-pkcs11-key-set.js';
export type { Pkcs11TokenOptions } from './pkcs11/pkcs11-token.js';
