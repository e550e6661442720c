export { createSqliteDatabase } from './sqlite-database.js';
export type { SqliteDatabaseOptions, SqliteDurability } from './sqlite-database.js';
