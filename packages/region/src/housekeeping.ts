import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { sweepExpiredSessions } from './provisioning/session-sweeper.js';
import type { Database } from './storage/database.js';
import { purgeExpired } from './storage/index.js';

/**
 * The region's periodic clean-up: single-use ids (DPoP proofs, assertions, network and issuer
 * requests) once they could no longer pass their time checks, and the vault records of sessions
 * abandoned before tokenization. Each task runs on its own; one failing does not stop the rest.
 */
export async function runHousekeeping(db: Kysely<Database>, now: Date, logger: Logger): Promise<void> {
  const tasks: [string, (db: Kysely<Database>, now: Date) => Promise<number>][] = [
    ['dpop jtis', (d, n) => purgeExpired(d, 'dpop_jtis', n)],
    ['assertion jtis', (d, n) => purgeExpired(d, 'assertion_jtis', n)],
    ['network jtis', (d, n) => purgeExpired(d, 'network_jtis', n)],
    ['issuer api jtis', (d, n) => purgeExpired(d, 'issuer_api_jtis', n)],
    ['abandoned sessions', sweepExpiredSessions],
  ];
  const results = await Promise.allSettled(tasks.map(([, task]) => task(db, now)));
  results.forEach((result, i) => {
    if (result.status === 'rejected') logger.warn({ err: result.reason, task: tasks[i]?.[0] }, 'housekeeping task failed');
  });
}
