import type { KyselyConfig } from 'kysely';

/**
 * Kysely's `log` option that calls `onStatement` once per statement sent: Kysely logs every query
 * of a connection, its `begin` and `commit` too, and a failed one as an error.
 */
export function statementLog(onStatement: (() => void) | undefined): Pick<KyselyConfig, 'log'> {
  return onStatement === undefined ? {} : { log: () => onStatement() };
}
