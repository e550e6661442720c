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
  auditChainNotChecked,
  auditChainStatusOf,
  buildResidencyReport,
  countVaultRecords,
  fileKeyInventory,
  heldCredentials,
  openReadOnlyDatabase,
  renderResidencyReportHtml,
  scanDatabase,
  scanFiles,
  scanFilesForClearCards,
  signResidencyReport,
  verifyResidencyReport,
  type AuditChainStatus,
  type AuditChainVerification,
  type ClearCardFinding,
  type KeyInventoryEntry,
  type ReadOnlyDatabase,
  type ResidencyFinding,
  type ResidencyReport,
  type SignedResidencyReport,
  type VerifiedResidencyReport,
} from './residency/index.js';
export { fileRegionKeyring, type JwsSigner, type RegionKeyring } from './keys/index.js';
export { operatorTokenHash } from './http/index.js';
export {
  seedTokenNumber,
  seedTokens,
  type SeedResult,
  type SeedTokensOptions,
} from './seeding/index.js';
