import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';

/**
 * Every migration, in order, compiled into the program: no file-system discovery, so a bundled
 * or installed server migrates the same way as a checkout. Names sort in the order they run.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
};

/** The Kysely `Migrator` provider over {@link migrations}. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
