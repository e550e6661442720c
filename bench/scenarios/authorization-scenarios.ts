import type { SeedResult } from '@domicile/region';
import type { BenchDeployment } from '../bench-deployment.js';
import type { BenchSettings } from '../bench-options.js';
import type { AuthorizationSpec } from '../load-job.js';
import type { Figure } from '../report.js';
import type { ServiceProcess } from '../service-process.js';
import { maxAtcOf } from '../workloads/authorization-workload.js';
import { measure, measureInterleaved, type MeasureOptions } from './measure.js';
import type { AuthorizationFigures, AuthorizationProbe } from './region-scenarios.js';
import { definedProps } from '@domicile/protocol';

/** At 70% of the maximum the open loop still needs room for a burst: in flight at most this many times the closed loop's. */
const OPEN_LOOP_HEADROOM = 4;

/**
 * Scenario 3 (and the authorization half of 4): authorizations of seeded tokens at the home
 * region, closed loop, as the network router sends them (signed), in one load run with the same
 * through a real router process, their rounds alternating (half of the tokens each: a token's ATC
 * only grows), so that the router's ratio compares rounds taken seconds apart on a machine whose
 * speed drifts; then, open loop, at 70% of the region's measured maximum for its p99. The large
 * scale point measures the region endpoint only, on every token. ATCs only ever grow across the
 * runs of one bench run.
 */
export function authorizationProbe(
  settings: BenchSettings,
  deployment: BenchDeployment,
): AuthorizationProbe {
  let atcBase = 0;
  const network = Object.keys(deployment.networkUrls)[0];
  const size = settings.authorization;
  const loop = (rate?: number): MeasureOptions => ({
    concurrency:
      rate === undefined ? settings.concurrency : settings.concurrency * OPEN_LOOP_HEADROOM,
    unit: 'authorizations/s',
    ...definedProps({ rate }),
  });
  const measured = (servers: readonly ServiceProcess[]) => [
    ...servers,
    ...deployment.databaseServers,
  ];
  /** Moves `atcBase` above every ATC a run on `tokens` tokens per workload used. */
  const spent = (tokens: number): void => {
    atcBase += maxAtcOf(size.warmup + size.rounds * size.perRound, tokens) + 1;
  };
  const runOnce = async (
    label: string,
    spec: Omit<AuthorizationSpec, 'atcBase'>,
    servers: readonly ServiceProcess[],
    rate?: number,
  ): Promise<Figure> => {
    const figure = await measure(label, { ...spec, atcBase }, size, {
      ...loop(rate),
      servers: measured(servers),
    });
    spent(spec.tokens);
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
    if (!full) {
      const direct = await runOnce(`authorization at ${region}, ${seededTokens} tokens`, spec, [
        server,
      ]);
      const unmeasured = { unmeasured: 'measured at the small scale point only' };
      return { region: direct, router: unmeasured, at70: unmeasured };
    }
    const half = Math.floor(seededTokens / 2);
    const router = await deployment.startNetwork(network);
    let direct: Figure | undefined;
    let viaRouter: Figure | undefined;
    try {
      [direct, viaRouter] = await measureInterleaved(
        [
          {
            label: `authorization at ${region}, ${seededTokens} tokens (${half} in its rounds)`,
            workload: { ...spec, tokens: half, atcBase },
            servers: measured([server]),
          },
          {
            label: `authorization through the network router (the other ${seededTokens - half} tokens)`,
            workload: {
              ...spec,
              tokens: seededTokens - half,
              firstToken: half,
              atcBase,
              via: 'router',
              routerUrl: deployment.networkUrls[network] ?? '',
            },
            servers: measured([server, router]),
          },
        ],
        size,
        loop(),
      );
      spent(half);
    } finally {
      await router.stop();
    }
    if (direct === undefined || viaRouter === undefined)
      throw new Error('the interleaved authorization run gave no figures');
    // Right after the maximum it is a fraction of: a machine whose speed drifts drifts least in between.
    const rate = 0.7 * direct.throughput.median;
    const at70 = await runOnce(
      `authorization at ${region}, at 70% of maximum`,
      spec,
      [server],
      rate,
    );
    return { region: direct, router: viaRouter, at70 };
  };
}

function seedFacts(seed: SeedResult): AuthorizationSpec['seed'] {
  return { tokenExpiry: seed.tokenExpiry, panSequenceNumber: seed.panSequenceNumber };
}
