export { migrationProvider, migrations } from './migration-provider.js';
export { addAutoIncrementId, inTransaction, sqlDialectOf } from './portable-ddl.js';
export type { SqlDialectName } from './portable-ddl.js';
