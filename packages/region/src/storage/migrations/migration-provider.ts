import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { paymentsMigration } from './0002-payments.js';
import { lifecycleMigration } from './0003-lifecycle.js';
import { residencyMigration } from './0004-residency.js';
import { scaleIndexesMigration } from './0005-scale-indexes.js';
import { housekeepingIndexesMigration } from './0006-housekeeping-indexes.js';
import { singleUseIdsMigration } from './0007-single-use-ids.js';
import { nodeLeasesMigration } from './0008-node-leases.js';
import { authorizationRequestsMigration } from './0009-authorization-requests.js';
import { retentionIndexesMigration } from './0010-retention-indexes.js';
import { outboxTraceparentMigration } from './0011-outbox-traceparent.js';
import { vaultKekIndexMigration } from './0012-vault-kek-index.js';
import { auditChainMigration } from './0013-audit-chain.js';
import { consoleSessionsMigration } from './0014-console-sessions.js';
import { devicesJoinMigration } from './0015-devices-join.js';
import { singleUseIdsWithoutRowidMigration } from './0016-single-use-ids-without-rowid.js';
import { credentialsLastUsedAtMigration } from './0017-credentials-last-used-at.js';

/**
 * Every migration, in order, compiled into the program: no file-system discovery, so a bundled
 * or installed server migrates the same way as a checkout. Names sort in the order they run.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
  '0002_payments': paymentsMigration,
  '0003_lifecycle': lifecycleMigration,
  '0004_residency': residencyMigration,
  '0005_scale_indexes': scaleIndexesMigration,
  '0006_housekeeping_indexes': housekeepingIndexesMigration,
  '0007_single_use_ids': singleUseIdsMigration,
  '0008_node_leases': nodeLeasesMigration,
  '0009_authorization_requests': authorizationRequestsMigration,
  '0010_retention_indexes': retentionIndexesMigration,
  '0011_outbox_traceparent': outboxTraceparentMigration,
  '0012_vault_kek_index': vaultKekIndexMigration,
  '0013_audit_chain': auditChainMigration,
  '0014_console_sessions': consoleSessionsMigration,
  '0015_devices_join': devicesJoinMigration,
  '0016_single_use_ids_without_rowid': singleUseIdsWithoutRowidMigration,
  '0017_credentials_last_used_at': credentialsLastUsedAtMigration,
};

/** The Kysely `Migrator` provider over {@link migrations}. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
