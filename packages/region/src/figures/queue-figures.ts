import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';

/** The queues of a region: work written to its database, done by its workers. */
export type QueueName = 'tsm' | 'webhooks' | 'region_outbox';

/** What waits in one queue. */
export interface QueueFigures {
  readonly queue: QueueName;
  /** Jobs not done yet. */
  readonly depth: number;
  /** How long the oldest of them has waited, in seconds; 0 when none waits. */
  readonly oldestAgeSeconds: number;
  /** Jobs not done yet that were already tried and failed at least once. */
  readonly failing: number;
}

/** Work waiting in the database, read where the workers read it: no counter to drift from the rows. */
const QUEUES = {
  tsm: (db: Kysely<Database>) =>
    db
      .selectFrom('tsm_scripts')
      .where('state', '=', 'pending')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('depth'),
        eb.fn.min('created_at').as('oldest'),
        eb.fn
          .sum<number | string | null>(eb.case().when('attempts', '>', 0).then(1).else(0).end())
          .as('failing'),
      ]),
  webhooks: (db: Kysely<Database>) =>
    db
      .selectFrom('webhook_deliveries')
      .where('delivered_at', 'is', null)
      .select((eb) => [
        eb.fn.countAll<number | string>().as('depth'),
        eb.fn.min('created_at').as('oldest'),
        eb.fn
          .sum<number | string | null>(eb.case().when('attempts', '>', 0).then(1).else(0).end())
          .as('failing'),
      ]),
  region_outbox: (db: Kysely<Database>) =>
    db
      .selectFrom('region_outbox')
      .where('confirmed_at', 'is', null)
      .select((eb) => [
        eb.fn.countAll<number | string>().as('depth'),
        eb.fn.min('created_at').as('oldest'),
        eb.fn
          .sum<number | string | null>(eb.case().when('attempts', '>', 0).then(1).else(0).end())
          .as('failing'),
      ]),
} satisfies Record<QueueName, unknown>;

/**
 * The TSM jobs, issuer webhooks and region outbox: depth, oldest age and failing deliveries. The
 * one read behind both the `domicile_queue_*` metrics and the operator console's queue page.
 */
export async function readQueueFigures(
  db: Kysely<Database>,
  now: () => Date,
): Promise<QueueFigures[]> {
  return Promise.all(
    (Object.keys(QUEUES) as QueueName[]).map(async (queue) => {
      const row = await QUEUES[queue](db).executeTakeFirst();
      const oldest = row?.oldest ?? null;
      const ageMs = oldest === null ? 0 : now().getTime() - new Date(oldest).getTime();
      return {
        queue,
        depth: Number(row?.depth ?? 0),
        oldestAgeSeconds: Math.max(0, ageMs / 1000),
        failing: Number(row?.failing ?? 0),
      };
    }),
  );
}
