export type {
  AccountRow,
  AccountsTable,
  AssetsTable,
  AuditChainHeadTable,
  AuditCheckpointsTable,
  AuditLogTable,
  CredentialLifecycleRow,
  CredentialRow,
  CredentialsTable,
  Database,
  DeviceRow,
  DevicesTable,
  IdempotencyKeysTable,
  IssuerOutboxTable,
  JoinRequestRow,
  LostReportRow,
  NewCredential,
  NotificationRow,
  NotificationsTable,
  ProvisioningSessionsTable,
  RegionOutboxRow,
  ResidencyIndexRow,
  SessionRow,
  SessionUpdate,
  SingleUseIdsTable,
  SingleUseKind,
  TransactionRow,
  AuthorizationRequestRow,
  TsmScriptRow,
  TsmScriptsTable,
  VaultRecordRow,
  VaultRecordsTable,
  WebhookDeliveryRow,
} from './database.js';
export {
  PURGE_BATCH_ROWS,
  RETENTION,
  purgeExpiredBatch,
  type ExpiringTable,
  type PurgedBatch,
} from './expired-rows.js';
export {
  DEFAULT_RETENTION,
  RETENTION_LIMITS,
  retentionPolicy,
  type RetentionPolicy,
} from './retention-policy.js';
export {
  isUniqueViolation,
  migrateToLatest,
  openDatabase,
  type OpenDatabaseOptions,
} from './open-database.js';
export { sqlDialectOf, type SqlDialectName } from './migrations/portable-ddl.js';
export { dialectOf, precompiled, type PrecompiledQuery } from './precompiled-query.js';
export { outputFence } from './output-fence.js';
export { planStable, planStableInteger } from './plan-stable.js';
export { columnsOf, qualified } from './column-list.js';
export { createPostgresDatabase, loadPg } from './postgres/index.js';
export type { PostgresDatabaseOptions } from './postgres/index.js';
export { createSqliteDatabase } from './sqlite/index.js';
export type { SqliteDatabaseOptions, SqliteDurability } from './sqlite/index.js';
export {
  JsonColumnError,
  jsonColumn,
  type JsonColumn,
  type JsonColumnFailure,
} from './json-column.js';
export { canonicalJson } from './canonical-json.js';
export {
  AUDIT_GENESIS_HASH,
  auditRowHash,
  auditRowJsonAroundSeq,
  type AuditRowContent,
} from './audit-row-hash.js';
