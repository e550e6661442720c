import { sql, type Kysely } from 'kysely';
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

/** The same figures of every queue's waiting rows: aggregates without `group by`, one row each. */
const FIGURES = sql`count(*) as depth, min(created_at) as oldest,
  sum(case when attempts > 0 then 1 else 0 end) as failing`;

/**
 * Work waiting in the database, read where the workers read it (no counter to drift from the
 * rows), all three queues in one statement: a scrape costs one round trip, not three.
 */
const WAITING = sql<{
  queue: QueueName;
  depth: number | string;
  oldest: string | null;
  failing: number | string | null;
}>`
  select 'tsm' as queue, ${FIGURES} from tsm_scripts where state = 'pending'
  union all
  select 'webhooks' as queue, ${FIGURES} from webhook_deliveries where delivered_at is null
  union all
  select 'region_outbox' as queue, ${FIGURES} from region_outbox where confirmed_at is null`;

const QUEUES: readonly QueueName[] = ['tsm', 'webhooks', 'region_outbox'];

/**
 * The TSM jobs, issuer webhooks and region outbox: depth, oldest age and failing deliveries. The
 * one read behind both the `domicile_queue_*` metrics and the operator console's queue page.
 */
export async function readQueueFigures(
  db: Kysely<Database>,
  now: () => Date,
): Promise<QueueFigures[]> {
  const { rows } = await WAITING.execute(db);
  const at = now().getTime();
  return QUEUES.map((queue) => {
    const row = rows.find((r) => r.queue === queue);
    const oldest = row?.oldest ?? null;
    const ageMs = oldest === null ? 0 : at - new Date(oldest).getTime();
    return {
      queue,
      depth: Number(row?.depth ?? 0),
      oldestAgeSeconds: Math.max(0, ageMs / 1000),
      failing: Number(row?.failing ?? 0),
    };
  });
}
