import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import { readQueueFigures, type QueueFigures } from '../figures/index.js';
import type { Database } from '../storage/index.js';
import { readOnceAtScrape } from './read-once-at-scrape.js';

/**
 * `domicile_queue_depth{queue}`, `domicile_queue_oldest_age_seconds{queue}` and
 * `domicile_queue_failing{queue}` for the TSM jobs, the issuer webhooks and the region outbox: what
 * is not done yet, how long the oldest of it has waited (0 when none waits), and how much of it
 * already failed an attempt. The read is {@link readQueueFigures}, the operator console's too.
 */
export function registerQueueMetrics(
  registry: Registry,
  db: Kysely<Database>,
  now: () => Date,
): void {
  // A database that does not answer leaves the queues out of this scrape (the HTTP metrics still
  // tell), rather than failing the whole of it.
  const once = readOnceAtScrape<QueueFigures[]>(() => readQueueFigures(db, now), []);
  const gauge = (name: string, help: string, value: (q: QueueFigures) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const figures of await once()) this.set({ queue: figures.queue }, value(figures));
      },
    });
  };
  gauge(
    'domicile_queue_depth',
    'Jobs not done yet, by queue (tsm, webhooks, region_outbox).',
    (q) => q.depth,
  );
  gauge(
    'domicile_queue_oldest_age_seconds',
    'How long the oldest job not done yet has waited, by queue; 0 when none waits.',
    (q) => q.oldestAgeSeconds,
  );
  gauge(
    'domicile_queue_failing',
    'Jobs not done yet that already failed an attempt, by queue.',
    (q) => q.failing,
  );
}
