export { recordResidency, residencyOf } from './residency-index.js';
export {
  countVaultRecords,
  heldCredentials,
  scanDatabase,
  scanFiles,
  scanFilesForClearCards,
  scanTablesForClearCards,
  type ClearCardFinding,
  type ClearCardScan,
  type ResidencyFinding,
  type TokenNumberTest,
} from './residency-scan.js';
export {
  auditChainNotChecked,
  auditChainStatusOf,
  type ResidencyAuditSection,
} from './audit-chain-status.js';
export { fileKeyInventory, type KeyInventoryEntry } from './key-inventory.js';
export { openReadOnlyDatabase, type ReadOnlyDatabase } from './read-only-database.js';
export {
  RESIDENCY_REPORT_FORMAT,
  buildResidencyReport,
  type BuildResidencyReportOptions,
  type HeldCard,
  type ResidencyReport,
} from './residency-report.js';
export { escapeHtml, renderResidencyReportHtml } from './residency-report-html.js';
export {
  RESIDENCY_REPORT_TYP,
  signResidencyReport,
  verifyResidencyReport,
  type SignedResidencyReport,
  type VerifiedResidencyReport,
} from './residency-report-signature.js';
export { directoryKeyByKid } from './report-signing-key.js';
