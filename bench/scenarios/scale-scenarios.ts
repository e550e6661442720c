import { join } from 'node:path';
import type { SeedResult } from '@domicile/region';
import { createBenchDeployment, type BenchDeployment } from '../bench-deployment.js';
import type { BenchSettings, RunSize } from '../bench-options.js';
import type { BenchReport, Figure, Unmeasured } from '../report.js';
import type { ServiceProcess } from '../service-process.js';
import { measureInterleaved, type MeasuredWorkload } from './measure.js';
import { seedHome } from './region-scenarios.js';
import { definedProps } from '@domicile/protocol';

/** The region every scale point seeds and measures. */
export const SCALE_REGION = 'us';

/**
 * One scale point under test: a home region on a deployment of its own, `tokens` seeded into its
 * vault, running beside the other points' regions.
 */
export interface RunningScalePoint {
  readonly tokens: number;
  readonly seed: SeedResult;
  readonly deployment: BenchDeployment;
  readonly server: ServiceProcess;
}

/**
 * Scenario 4, the two scale points, side by side: a deployment of their own each (in `dir`), the
 * home region of one seeded with the small token count and of the other with the large one, both
 * regions up at once, provisioning then authorization measured with rounds alternating between
 * them. Measured at different times, minutes apart, the two points' drop moved from 12% to 31%
 * across three runs of one build: the machine's drift, not the tokens. Peak resident memory is
 * read from each region's process at the end.
 */
export async function measureScalePoints(
  settings: BenchSettings,
  dir: string,
  profileDir: string | undefined,
): Promise<BenchReport['scale']> {
  const { small, large } = settings.scaleTokens;
  const deployments: BenchDeployment[] = [];
  try {
    const seeded = [];
    for (const tokens of [small, large]) {
      const deployment = await createBenchDeployment({
        dir: join(dir, `scale-${tokens}`),
        database: settings.database,
        ...definedProps({ profileDir }),
      });
      deployments.push(deployment);
      seeded.push({ tokens, deployment, ...(await seedHome(deployment, tokens)) });
    }
    const points = await Promise.all(
      seeded.map(async (p): Promise<RunningScalePoint> => ({
        tokens: p.tokens,
        seed: p.result,
        deployment: p.deployment,
        server: await p.deployment.startRegion(SCALE_REGION),
      })),
    );
    const provisioning = await measureScaleProvisioning(
      points,
      settings.provisioning,
      settings.concurrency,
    );
    const authorization = await measureScaleAuthorization(
      points,
      settings.authorization,
      settings.concurrency,
    );
    const [smallPoint, largePoint] = seeded.map((p, i) => {
      const figure = provisioning[i];
      if (figure === undefined) throw new Error('the scale run gave fewer figures than points');
      return {
        seededTokens: p.tokens,
        seedSeconds: p.seconds,
        provisioning: figure,
        authorization: authorization[i] ?? { unmeasured: 'no figure for this point' },
        peakRssMb: points[i]?.server.peakRssMb() ?? null,
      };
    });
    if (smallPoint === undefined || largePoint === undefined)
      throw new Error('the scale run has fewer points than two');
    return { small: smallPoint, large: largePoint };
  } finally {
    for (const deployment of deployments) await deployment.close();
  }
}

/**
 * Home-card provisioning at every point, in one load run whose rounds alternate between the
 * points: round i of one ran seconds from round i of the others, so the drop from one point to
 * another is taken round by round (`throughputRatio`) and a drift of the machine's speed over
 * the minutes of the run moves both sides of each ratio. One figure per point, in order.
 */
export async function measureScaleProvisioning(
  points: readonly RunningScalePoint[],
  size: RunSize,
  concurrency: number,
): Promise<Figure[]> {
  return measureInterleaved(
    points.map((p) => ({
      label: `provisioning, home card, ${p.tokens} tokens`,
      workload: {
        kind: 'provisioning',
        deployment: p.deployment.info,
        home: SCALE_REGION,
        cardRegion: SCALE_REGION,
      },
      servers: measuredServers(p),
    })),
    size,
    { concurrency, unit: 'flows/s' },
  );
}

/**
 * Authorizations of every seeded token at every point, at the region endpoint, closed loop, rounds
 * alternating between the points as {@link measureScaleProvisioning}'s do. Each point's ATCs start
 * from 0: run it once per deployment.
 */
export async function measureScaleAuthorization(
  points: readonly RunningScalePoint[],
  size: RunSize,
  concurrency: number,
): Promise<(Figure | Unmeasured)[]> {
  const measured: MeasuredWorkload[] = [];
  for (const p of points) {
    const network = Object.keys(p.deployment.networkUrls)[0];
    if (network === undefined)
      return points.map(() => ({ unmeasured: 'the regions config lists no card network' }));
    measured.push({
      label: `authorization at ${SCALE_REGION}, ${p.tokens} tokens`,
      workload: {
        kind: 'authorization',
        deployment: p.deployment.info,
        region: SCALE_REGION,
        tokenRanges: p.deployment.tokenRanges(SCALE_REGION),
        network,
        tokens: p.tokens,
        atcBase: 0,
        seed: { tokenExpiry: p.seed.tokenExpiry, panSequenceNumber: p.seed.panSequenceNumber },
        via: 'region',
      },
      servers: measuredServers(p),
    });
  }
  return measureInterleaved(measured, size, { concurrency, unit: 'authorizations/s' });
}

function measuredServers(p: RunningScalePoint): ServiceProcess[] {
  return [p.server, ...p.deployment.databaseServers];
}
