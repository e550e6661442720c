/**
 * @domicile/region/internals — building blocks of the region, for the benchmarks that time them
 * without HTTP or a database: the crypto floor (`bench/baselines/crypto-floor.ts`, each
 * cryptographic step of a provisioning flow) and the key benchmark (`bench/hsm-keys.ts`, file
 * keys beside PKCS#11 keys), the KEK re-wrap benchmark (`bench/kek-rewrap.ts`), the SQLite commit benchmark (`bench/sqlite-commit.ts`). Not an API: these change with the region, and nothing but the
 * repository's own tools imports them.
 */
export { assetHash, renderCardArt } from './assets/index.js';
export { SANDBOX_PRODUCTS, type CardProduct } from './issuer/index.js';
export { FileJwsSigner, pseudonymKeysOf } from './keys/index.js';
export {
  Pkcs11JwsSigner,
  Pkcs11KeyProvider,
  Pkcs11Token,
  generatePkcs11RegionKeys,
} from './keys/pkcs11/index.js';
export { deriveTokenMasterKey, drawTokenNumber } from './provisioning/index.js';
export { issueRedirectAssertion, pairwisePseudonym } from './redirect/index.js';
export {
  deviceKeyThumbprint,
  embeddedDeviceKey,
  verifyRedirectAssertion,
} from './request-auth/index.js';
export { createSqliteDatabase } from './storage/index.js';
export { Tsm } from './tsm/index.js';
export { LocalKeyProvider, Vault, type KeyProvider } from './vault/index.js';
export { rewrapBatch, type RewrapPosition } from './vault-rewrap/index.js';
