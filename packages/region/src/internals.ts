/**
 * @domicile/region/internals — building blocks of the region, for the benchmark's crypto floor
 * (`bench/baselines/crypto-floor.ts`), which times each cryptographic step of a provisioning
 * flow without HTTP or a database. Not an API: these change with the region, and nothing but
 * the repository's own tools imports them.
 */
export { assetHash, renderCardArt } from './assets/index.js';
export { SANDBOX_PRODUCTS, type CardProduct } from './issuer/index.js';
export { deriveTokenMasterKey, drawTokenNumber } from './provisioning/index.js';
export { issueRedirectAssertion, pairwisePseudonym } from './redirect/index.js';
export {
  deviceKeyThumbprint,
  embeddedDeviceKey,
  verifyRedirectAssertion,
} from './request-auth/index.js';
export { Tsm } from './tsm/index.js';
export { Vault } from './vault/index.js';
