import type { SeedResult } from '@domicile/region';
import type { BenchDeployment } from '../bench-deployment.js';
import type { BenchSettings } from '../bench-options.js';
import type { AuthorizationSpec } from '../load-job.js';
import type { Figure } from '../report.js';
import type { ServiceProcess } from '../service-process.js';
import { maxAtcOf } from '../workloads/authorization-workload.js';
import { measure } from './measure.js';
import type { AuthorizationFigures, AuthorizationProbe } from './region-scenarios.js';
import { definedProps } from '@domicile/protocol';

/** At 70% of the maximum the open loop still needs room for a burst: in flight at most this many times the closed loop's. */
const OPEN_LOOP_HEADROOM = 4;

/**
 * Scenario 3 (and the authorization half of 4): authorizations of seeded tokens at the home
 * region, closed loop, as the network router sends them (signed); then, open loop, at 70% of that
 * measured maximum for its p99; and through a real router process. The large scale point
 * measures the region endpoint only. ATCs only ever grow across the runs of one bench run.
 */
export function authorizationProbe(
  settings: BenchSettings,
  deployment: BenchDeployment,
): AuthorizationProbe {
  let atcBase = 0;
  const network = Object.keys(deployment.networkUrls)[0];
  const runOnce = async (
    label: string,
    spec: Omit<AuthorizationSpec, 'atcBase'>,
    servers: readonly ServiceProcess[],
    rate?: number,
  ): Promise<Figure> => {
    const size = settings.authorization;
    const figure = await measure(label, { ...spec, atcBase }, size, {
      concurrency:
        rate === undefined ? settings.concurrency : settings.concurrency * OPEN_LOOP_HEADROOM,
      unit: 'authorizations/s',
      servers: [...servers, ...deployment.databaseServers],
      ...definedProps({ rate }),
    });
    atcBase += maxAtcOf(size.warmup + size.rounds * size.perRound, spec.tokens) + 1;
    return figure;
  };
  return async ({ region, server, seed, seededTokens, full }): Promise<AuthorizationFigures> => {
    if (network === undefined) {
      const unmeasured = { unmeasured: 'the regions config lists no card network' };
      return { region: unmeasured, router: unmeasured, at70: unmeasured };
    }
    const spec = {
      kind: 'authorization',
      deployment: deployment.info,
      region,
      tokenRanges: deployment.tokenRanges(region),
      network,
      tokens: seededTokens,
      seed: seedFacts(seed),
      via: 'region',
    } as const;
    const direct = await runOnce(`authorization at ${region}, ${seededTokens} tokens`, spec, [
      server,
    ]);
    if (!full) {
      const unmeasured = { unmeasured: 'measured at the small scale point only' };
      return { region: direct, router: unmeasured, at70: unmeasured };
    }
    // Right after the maximum it is a fraction of: a machine whose speed drifts drifts least in between.
    const rate = 0.7 * direct.throughput.median;
    const at70 = await runOnce(
      `authorization at ${region}, at 70% of maximum`,
      spec,
      [server],
      rate,
    );
    const router = await deployment.startNetwork(network);
    let viaRouter: Figure;
    try {
      viaRouter = await runOnce(
        'authorization through the network router',
        {
          ...spec,
          via: 'router',
          routerUrl: deployment.networkUrls[network] ?? '',
        },
        [server, router],
      );
    } finally {
      await router.stop();
    }
    return { region: direct, router: viaRouter, at70 };
  };
}

function seedFacts(seed: SeedResult): AuthorizationSpec['seed'] {
  return { tokenExpiry: seed.tokenExpiry, panSequenceNumber: seed.panSequenceNumber };
}
