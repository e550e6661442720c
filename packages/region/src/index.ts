/**
 * @domicile/region — the region server: provisioning, vault, TSM, push notifications, issuer
 * gateway, over one schema on SQLite or PostgreSQL.
 */
export type {
  IssuerConfig,
  RegionConfig,
  RegionOutboxConfig,
  RegionOutboxTiming,
  RegionTransport,
  TrustedIssuerConfig,
  WebhookDeliveryConfig,
} from './config/index.js';
export { createRegion, startRegion, type Region, type RunningRegion } from './region-server.js';
export type { RegionContext, WorkerKick } from './region-context.js';
export {
  RegionKeySetSchema,
  generateRegionKeySet,
  loadRegionKeySet,
  readKeyFile,
  publicKeysOf,
  saveRegionKeySet,
  openRegionKeyring,
  generatePkcs11RegionKeySet,
  generateRegionKeySetsInToken,
  type FileRegionKeySet,
  type Pkcs11TokenOptions,
  type KeyProviderConfig,
  type RegionKeyring,
  type RegionKeySet,
} from './keys/index.js';
export {
  SANDBOX_SPEND_LIMIT_MINOR,
  TEST_CARDS,
  renderTestCardsMarkdown,
  type TestCard,
  type TestCardOutcome,
} from './issuer/index.js';
export { openDatabase, type Database } from './storage/index.js';
export { scrubCardNumbers } from './logging/index.js';
export {
  countVaultRecords,
  heldCredentials,
  scanDatabase,
  scanFiles,
  type ResidencyFinding,
} from './residency/index.js';
export { operatorTokenHash } from './http/index.js';
export {
  seedTokenNumber,
  seedTokens,
  type SeedResult,
  type SeedTokensOptions,
} from './seeding/index.js';
