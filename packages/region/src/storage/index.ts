export type {
  AccountRow,
  AccountsTable,
  AssetsTable,
  AuditLogTable,
  CredentialRow,
  CredentialsTable,
  Database,
  DeviceRow,
  DevicesTable,
  IdempotencyKeysTable,
  IssuerOutboxTable,
  NewCredential,
  NotificationRow,
  NotificationsTable,
  ProvisioningSessionsTable,
  SessionRow,
  SessionUpdate,
  SingleUseIdsTable,
  SingleUseKind,
  TsmScriptRow,
  TsmScriptsTable,
  VaultRecordRow,
  VaultRecordsTable,
} from './database.js';
export { purgeExpiredBatch, type PurgedBatch, type ExpiringTable } from './expired-rows.js';
export { isUniqueViolation, migrateToLatest, openDatabase } from './open-database.js';
export { createPostgresDatabase } from './postgres/index.js';
export type { PostgresDatabaseOptions } from './postgres/index.js';
export { createSqliteDatabase } from './sqlite/index.js';
export type { SqliteDatabaseOptions, SqliteDurability } from './sqlite/index.js';
