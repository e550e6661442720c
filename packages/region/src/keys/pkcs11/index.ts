export { ecPointToJwk, type EcPublicJwkMembers } from './ec-point.js';
export { generatePkcs11RegionKeys, type GeneratedPkcs11Keys } from './generate-pkcs11-keys.js';
export { Pkcs11JwsSigner } from './pkcs11-jws-signer.js';
export {
  Pkcs11KeyProvider,
  isPkcs11WrappedKey,
  type Pkcs11KeyProviderOptions,
} from './pkcs11-key-provider.js';
export type { Pkcs11KeyPurpose } from './pkcs11-key-lookup.js';
export {
  openPkcs11RegionKeyring,
  type Pkcs11RegionKeyLabels,
  type Pkcs11RegionKeyringOptions,
} from './pkcs11-region-keyring.js';
export { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11-token.js';
