import { createRequire } from 'node:module';
import type PgModule from 'pg';

const require = createRequire(import.meta.url);
let loaded: typeof PgModule | undefined;

/**
 * The `pg` driver, loaded on first use rather than when the region starts: a region on SQLite
 * never needs it, and importing it cost about 30 ms of CPU of every start (a restart must answer
 * /readyz within about a second). `pg` is CommonJS, so this stays synchronous.
 */
export function loadPg(): typeof PgModule {
  loaded ??= require('pg') as typeof PgModule;
  return loaded;
}
