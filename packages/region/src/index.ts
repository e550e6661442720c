/**
 * @domicile/region — the region server: provisioning, vault, TSM, push notifications, issuer
 * gateway, over one schema on SQLite or PostgreSQL.
 */
export type {
  IssuerConfig,
  RateLimitConfig,
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
  REGION_KEY_PURPOSES,
  RegionKeySetSchema,
  activePrivateJwk,
  describeValidity,
  directoryKeysOf,
  generateRegionKeySet,
  loadRegionKeySet,
  readKeyFile,
  publicKeysOf,
  rotateRegionKey,
  rotateRegionKeyInHsm,
  destroyPkcs11Kek,
  saveRegionKeySet,
  type Pkcs11Rotation,
  type Pkcs11RotationPurpose,
  type RegionKey,
  type RegionKeyPurpose,
  openRegionKeyring,
  generatePkcs11RegionKeySet,
  generateRegionKeySetsInToken,
  type FileRegionKeySet,
  type Pkcs11TokenOptions,
  type KeyProviderConfig,
  type RegionKeyring,
  type RegionKeySet,
  type RotationTimes,
} from './keys/index.js';
export {
  SANDBOX_SPEND_LIMIT_MINOR,
  TEST_CARDS,
  renderTestCardsMarkdown,
  type TestCard,
  type TestCardOutcome,
} from './issuer/index.js';
export {
  DEFAULT_RETENTION,
  RETENTION_LIMITS,
  auditRowHash,
  openDatabase,
  type Database,
  type RetentionPolicy,
} from './storage/index.js';
export {
  AUDIT_ACTIONS,
  AUDIT_CHECKPOINT_TYP,
  auditSigningKeysOf,
  exportAuditRows,
  recordKeyRotation,
  signCheckpoint,
  verifyAuditChain,
  type AuditAction,
  type AuditChainFailure,
  type AuditChainFailureReason,
  type AuditChainStatus,
  type AuditCheckpointClaims,
  type ExportedAuditRow,
  type KeyRotation,
  type VerifyAuditChainOptions,
} from './audit/index.js';
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
  type ResidencyAuditSection,
  type ClearCardFinding,
  type KeyInventoryEntry,
  type ReadOnlyDatabase,
  type ResidencyFinding,
  type ResidencyReport,
  type SignedResidencyReport,
  type VerifiedResidencyReport,
} from './residency/index.js';
export { fileRegionKeyring, type JwsSigner } from './keys/index.js';
export { operatorTokenHash } from './http/index.js';
export {
  seedTokenNumber,
  seedTokens,
  type SeedResult,
  type SeedTokensOptions,
} from './seeding/index.js';
export { vaultKeksOf, withNewVaultKek, type VaultKek } from './vault/index.js';
export {
  retireVaultKek,
  rewrapProgress,
  type KekUsage,
  type RewrapProgress,
} from './vault-rewrap/index.js';
