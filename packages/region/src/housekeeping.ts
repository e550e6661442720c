import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { purgeExpiredDpopJtis, purgeExpiredNetworkJtis } from './auth/index.js';
import { purgeExpiredIssuerJtis } from './issuer-api/index.js';
import { purgeExpiredAssertionJtis, sweepExpiredSessions } from './provisioning/session-sweeper.js';
import type { Database } from './storage/database.js';

/**
 * The region's periodic clean-up: single-use ids (DPoP proofs, assertions, network and issuer
 * requests) once they could no longer pass their time checks, and the vault records of sessions
 * abandoned before tokenization. Each task runs on its own; one failing does not stop the rest.
 */
export async function runHousekeeping(db: Kysely<Database>, now: Date, logger: Logger): Promise<void> {
  const tasks: [string, (db: Kysely<Database>, now: Date) => Promise<number>][] = [
    ['dpop jtis', purgeExpiredDpopJtis],
    ['assertion jtis', purgeExpiredAssertionJtis],
    ['network jtis', purgeExpiredNetworkJtis],
    ['issuer api jtis', purgeExpiredIssuerJtis],
    ['abandoned sessions', sweepExpiredSessions],
  ];
  const results = await Promise.allSettled(tasks.map(([, task]) => task(db, now)));
  results.forEach((result, i) => {
    if (result.status === 'rejected') logger.warn({ err: result.reason, task: tasks[i]?.[0] }, 'housekeeping task failed');
  });
}
