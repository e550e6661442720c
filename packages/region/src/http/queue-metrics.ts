import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../storage/index.js';

/** Work waiting in the database, read at scrape time: no counter to drift from the rows. */
const QUEUES = {
  tsm: (db: Kysely<Database>) =>
    db
      .selectFrom('tsm_scripts')
      .where('state', '=', 'pending')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('depth'),
        eb.fn.min('created_at').as('oldest'),
      ]),
  webhooks: (db: Kysely<Database>) =>
    db
      .selectFrom('webhook_deliveries')
      .where('delivered_at', 'is', null)
      .select((eb) => [
        eb.fn.countAll<number | string>().as('depth'),
        eb.fn.min('created_at').as('oldest'),
      ]),
  region_outbox: (db: Kysely<Database>) =>
    db
      .selectFrom('region_outbox')
      .where('confirmed_at', 'is', null)
      .select((eb) => [
        eb.fn.countAll<number | string>().as('depth'),
        eb.fn.min('created_at').as('oldest'),
      ]),
};

/**
 * `domicile_queue_depth{queue}` and `domicile_queue_oldest_age_seconds{queue}` for the TSM jobs,
 * the issuer webhooks and the region outbox: what is not done yet, and how long the oldest of it
 * has waited (0 when none waits).
 */
export function registerQueueMetrics(
  registry: Registry,
  db: Kysely<Database>,
  now: () => Date,
): void {
  const read = async (): Promise<{ queue: string; depth: number; ageSeconds: number }[]> =>
    Promise.all(
      Object.entries(QUEUES).map(async ([queue, query]) => {
        const row = await query(db).executeTakeFirst();
        const oldest = row?.oldest ?? null;
        const ageMs = oldest === null ? 0 : now().getTime() - new Date(oldest).getTime();
        return { queue, depth: Number(row?.depth ?? 0), ageSeconds: Math.max(0, ageMs / 1000) };
      }),
    );
  // One read serves both gauges of a scrape. A database that does not answer leaves the queues
  // out of this scrape (the HTTP metrics still tell), rather than failing the whole of it.
  let pending: ReturnType<typeof read> | undefined;
  const once = (): ReturnType<typeof read> => {
    pending ??= read()
      .catch(() => [])
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  new Gauge({
    name: 'domicile_queue_depth',
    help: 'Jobs not done yet, by queue (tsm, webhooks, region_outbox).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, depth } of await once()) this.set({ queue }, depth);
    },
  });
  new Gauge({
    name: 'domicile_queue_oldest_age_seconds',
    help: 'How long the oldest job not done yet has waited, by queue; 0 when none waits.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, ageSeconds } of await once()) this.set({ queue }, ageSeconds);
    },
  });
}
