export { AUDIT_ACTIONS, isAuditAction, type AuditAction } from './audit-actions.js';
export {
  AUDIT_CHAIN,
  appendAudit,
  appendAuditEntries,
  auditDetailColumn,
  type AppendedAudit,
  type AuditEntry,
} from './audit-log.js';
export {
  AUDIT_CHECKPOINT_TYP,
  AuditCheckpointWorker,
  DEFAULT_CHECKPOINT_POLICY,
  signCheckpoint,
  signCheckpointIfDue,
  type AuditCheckpointClaims,
  type AuditCheckpointPolicy,
  type CheckpointOptions,
} from './audit-checkpoints.js';
export {
  auditSigningKeysOf,
  verifyAuditChain,
  type AuditChainFailure,
  type AuditChainFailureReason,
  type AuditChainStatus,
  type VerifyAuditChainOptions,
} from './verify-audit-chain.js';
export { exportAuditRows, type ExportedAuditRow } from './export-audit-rows.js';
export { recordKeyRotation, type KeyRotation } from './record-key-rotation.js';
