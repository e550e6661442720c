import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../storage/index.js';
import { rewrapProgress, type RewrapProgress } from './kek-usage.js';

/**
 * `domicile_vault_records{kek_id}` (live records by the KEK their data key is wrapped under) and
 * `domicile_vault_rewrap_remaining` (those under a KEK other than the current one: the re-wrap
 * worker's backlog, 0 once a KEK rotation is done). Read from the database at scrape time, so
 * every node of a region reports the same, whichever of them did the work.
 */
export function registerRewrapMetrics(
  registry: Registry,
  db: Kysely<Database>,
  currentKekId: string,
): void {
  // One read serves both gauges of a scrape; a database that does not answer leaves them out.
  let pending: Promise<RewrapProgress | undefined> | undefined;
  const once = (): Promise<RewrapProgress | undefined> => {
    pending ??= rewrapProgress(db, currentKekId)
      .catch(() => undefined)
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  new Gauge({
    name: 'domicile_vault_records',
    help: 'Live vault records, by the KEK their data key is wrapped under.',
    labelNames: ['kek_id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { kekId, records } of (await once())?.byKek ?? [])
        this.set({ kek_id: kekId }, records);
    },
  });
  new Gauge({
    name: 'domicile_vault_rewrap_remaining',
    help: 'Live vault records still under an old KEK, to be re-wrapped to the current one.',
    registers: [registry],
    async collect() {
      this.reset();
      const progress = await once();
      if (progress !== undefined) this.set(progress.remaining);
    },
  });
}
