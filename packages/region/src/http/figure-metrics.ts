import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import {
  funnelStages,
  readAuthorizationCounts,
  readProvisioningFunnel,
  readTokenCounts,
  type AuthorizationCount,
  type ProvisioningFunnel,
  type TokenCount,
} from '../figures/index.js';
import type { Database } from '../storage/index.js';
import { readOnceAtScrape } from './read-once-at-scrape.js';

/**
 * Gauges read from the database at scrape time with the operator console's own reads
 * (`figures/`), so that a dashboard and the console never disagree:
 * `domicile_tokens{state,product}`, `domicile_provisioning_today{stage}` and
 * `domicile_authorizations_today{decision,reason}` (today: since midnight UTC).
 */
export function registerFigureMetrics(
  registry: Registry,
  db: Kysely<Database>,
  now: () => Date,
): void {
  const tokens = readOnceAtScrape<TokenCount[] | undefined>(() => readTokenCounts(db), undefined);
  const funnel = readOnceAtScrape<ProvisioningFunnel | undefined>(
    () => readProvisioningFunnel(db, now),
    undefined,
  );
  const authorizations = readOnceAtScrape<AuthorizationCount[] | undefined>(
    () => readAuthorizationCounts(db, now),
    undefined,
  );
  new Gauge({
    name: 'domicile_tokens',
    help: 'Tokens of this region by state and card product.',
    labelNames: ['state', 'product'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { state, product, count } of (await tokens()) ?? [])
        this.set({ state, product }, count);
    },
  });
  new Gauge({
    name: 'domicile_provisioning_today',
    help: 'Provisioning since midnight UTC by stage (messages, redirects, decisions, codes, tokens), from the audit log.',
    labelNames: ['stage'],
    registers: [registry],
    async collect() {
      this.reset();
      const read = await funnel();
      if (read !== undefined) for (const [stage, n] of funnelStages(read)) this.set({ stage }, n);
    },
  });
  new Gauge({
    name: 'domicile_authorizations_today',
    help: 'Authorizations of this region’s tokens since midnight UTC, by decision and reason.',
    labelNames: ['decision', 'reason'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { decision, reason, count } of (await authorizations()) ?? [])
        this.set({ decision, reason }, count);
    },
  });
}
