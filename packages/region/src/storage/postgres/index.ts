export { createPostgresDatabase } from './postgres-database.js';
export type { PostgresDatabaseOptions } from './postgres-database.js';
export { postgresConnectionError } from './postgres-connection-error.js';
export { loadPg } from './load-pg.js';
