/**
 * @domicile/region — the region server: provisioning, vault, TSM, push notifications, issuer
 * gateway, over one schema on SQLite or PostgreSQL.
 */
export type {
  IssuerConfig,
  RegionConfig,
  TrustedIssuerConfig,
  WebhookDeliveryConfig,
} from './config/region-config.js';
export { createRegion, startRegion, type Region, type RunningRegion } from './region-server.js';
export type { RegionContext } from './region-context.js';
export {
  RegionKeySetSchema,
  generateRegionKeySet,
  loadRegionKeySet,
  publicKeysOf,
  saveRegionKeySet,
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
export { operatorTokenHash } from './http/operator-auth.js';
export type {
  RegionOutboxConfig,
  RegionOutboxTiming,
  RegionTransport,
} from './lost-device/index.js';
export {
  seedTokenNumber,
  seedTokens,
  type SeedResult,
  type SeedTokensOptions,
} from './seeding/index.js';
