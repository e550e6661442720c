import type { SeedResult } from '@domicile/region';
import type { BenchDeployment } from '../bench-deployment.js';
import type { BenchSettings } from '../bench-options.js';
import type { WorkloadSpec } from '../load-job.js';
import type { BenchReport, Figure, ScalePoint, Unmeasured } from '../report.js';
import type { ServiceProcess } from '../service-process.js';
import { measure, measureInterleaved, progress } from './measure.js';

const HOME = 'us';
const FOREIGN = 'cn';

/** What the authorization scenarios measure against one running home region. */
export interface AuthorizationFigures {
  readonly region: Figure | Unmeasured;
  readonly router: Figure | Unmeasured;
  readonly at70: Figure | Unmeasured;
}

/** Measures authorization on the seeded tokens of a running region (see `authorization-scenarios.ts`). */
export type AuthorizationProbe = (input: {
  region: string;
  server: ServiceProcess;
  seed: SeedResult;
  seededTokens: number;
  full: boolean;
}) => Promise<AuthorizationFigures>;

/** What {@link measureRegionScenarios} measures: the scenarios, the scale points and the crypto floors. */
export type RegionFigures = Pick<BenchReport, 'scenarios' | 'scale'> & {
  readonly floors: Pick<BenchReport['baselines'], 'cryptoFloorHome' | 'cryptoFloorRedirected'>;
};

/**
 * Scenarios 1–4 on real region processes. The home region is seeded with the small token count
 * and started beside the foreign region. Home-card and redirected provisioning are measured
 * there in one load run, their rounds alternating with those of the two crypto floors they are
 * judged against; then authorization (these are also the small scale point). Then the home region
 * is stopped, seeded up to the large count, restarted, and provisioning and authorization are
 * measured again. Peak resident memory is read from the home region's process each time.
 */
export async function measureRegionScenarios(
  settings: BenchSettings,
  deployment: BenchDeployment,
  authorize: AuthorizationProbe,
): Promise<RegionFigures> {
  const { small, large } = settings.scaleTokens;
  const smallSeed = await seed(deployment, small, 0);
  const [home, foreign] = await Promise.all([
    deployment.startRegion(HOME),
    deployment.startRegion(FOREIGN),
  ]);
  let floors: RegionFigures['floors'];
  let provisioningHome: Figure;
  let provisioningRedirected: Figure;
  let smallAuth: AuthorizationFigures;
  let smallRss: number | undefined;
  try {
    const [floorHome, homeCard, floorRedirected, redirected] = await measureInterleaved(
      [
        { label: 'crypto floor, home flow', workload: { kind: 'crypto-floor', redirected: false } },
        {
          label: 'provisioning, home card',
          workload: provisioningSpec(deployment, HOME),
          servers: [home, ...deployment.databaseServers],
        },
        {
          label: 'crypto floor, redirected flow',
          workload: { kind: 'crypto-floor', redirected: true },
        },
        {
          label: 'provisioning, redirected card',
          workload: provisioningSpec(deployment, FOREIGN),
          servers: [home, foreign, ...deployment.databaseServers],
        },
      ],
      settings.provisioning,
      { concurrency: settings.concurrency, unit: 'flows/s' },
    );
    if (
      floorHome === undefined ||
      homeCard === undefined ||
      floorRedirected === undefined ||
      redirected === undefined
    ) {
      throw new Error('the provisioning run gave fewer figures than workloads');
    }
    floors = { cryptoFloorHome: floorHome, cryptoFloorRedirected: floorRedirected };
    provisioningHome = homeCard;
    provisioningRedirected = redirected;
    smallAuth = await authorize({
      region: HOME,
      server: home,
      seed: smallSeed.result,
      seededTokens: small,
      full: true,
    });
    smallRss = home.peakRssMb();
  } finally {
    await Promise.all([home.stop(), foreign.stop()]);
  }

  const largeSeed = await seed(deployment, large - small, small);
  const bigHome = await deployment.startRegion(HOME);
  let largeProvisioning: Figure;
  let largeAuth: AuthorizationFigures;
  let largeRss: number | undefined;
  try {
    largeProvisioning = await measure(
      `provisioning, home card, ${large} tokens`,
      provisioningSpec(deployment, HOME),
      settings.provisioning,
      {
        concurrency: settings.concurrency,
        unit: 'flows/s',
        servers: [bigHome, ...deployment.databaseServers],
      },
    );
    largeAuth = await authorize({
      region: HOME,
      server: bigHome,
      seed: largeSeed.result,
      seededTokens: large,
      full: false,
    });
    largeRss = bigHome.peakRssMb();
  } finally {
    await bigHome.stop();
  }
  const point = (
    seededTokens: number,
    seedSeconds: number,
    provisioning: Figure,
    auth: AuthorizationFigures,
    rss: number | undefined,
  ): ScalePoint => ({
    seededTokens,
    seedSeconds,
    provisioning,
    authorization: auth.region,
    peakRssMb: rss ?? null,
  });
  return {
    floors,
    scenarios: {
      provisioningHome,
      provisioningRedirected,
      authorizationRegion: smallAuth.region,
      authorizationRouter: smallAuth.router,
      authorizationAt70: smallAuth.at70,
    },
    scale: {
      small: point(small, smallSeed.seconds, provisioningHome, smallAuth, smallRss),
      large: point(
        large,
        smallSeed.seconds + largeSeed.seconds,
        largeProvisioning,
        largeAuth,
        largeRss,
      ),
    },
  };
}

/** A provisioning flow of a card of `cardRegion` by a device registered in the home region. */
function provisioningSpec(deployment: BenchDeployment, cardRegion: string): WorkloadSpec {
  return { kind: 'provisioning', deployment: deployment.info, home: HOME, cardRegion };
}

/** Seeds the stopped home region; returns what it seeded and the seconds it took. */
async function seed(
  deployment: BenchDeployment,
  tokens: number,
  first: number,
): Promise<{ result: SeedResult; seconds: number }> {
  progress(`seeding ${tokens} tokens into ${HOME}…`);
  const started = performance.now();
  const result = await deployment.seed(HOME, tokens, first);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  progress(`seeded ${tokens} tokens in ${seconds} s`);
  return { result, seconds };
}
