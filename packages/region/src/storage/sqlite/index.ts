export { createSqliteDatabase } from './sqlite-database.js';
export type { SqliteDatabaseOptions } from './sqlite-database.js';
