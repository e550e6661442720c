import type { SeedResult } from '@domicile/region';
import type { BenchDeployment } from '../bench-deployment.js';
import type { BenchSettings } from '../bench-options.js';
import type { WorkloadSpec } from '../load-job.js';
import type { BenchReport, Figure, Unmeasured } from '../report.js';
import type { ServiceProcess } from '../service-process.js';
import { measureInterleaved, progress } from './measure.js';

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

/** What {@link measureRegionScenarios} measures: the scenarios and the crypto floors. */
export type RegionFigures = Pick<BenchReport, 'scenarios'> & {
  readonly floors: Pick<BenchReport['baselines'], 'cryptoFloorHome' | 'cryptoFloorRedirected'>;
};

/**
 * Scenarios 1–3 on real region processes. The home region is seeded with the small scale point's
 * token count and started beside the foreign region. Home-card and redirected provisioning are
 * measured there in one load run, their rounds alternating with those of the two crypto floors
 * they are judged against; then authorization. The scale points have deployments of their own
 * (`scale-scenarios.ts`).
 */
export async function measureRegionScenarios(
  settings: BenchSettings,
  deployment: BenchDeployment,
  authorize: AuthorizationProbe,
): Promise<RegionFigures> {
  const tokens = settings.scaleTokens.small;
  const seeded = await seedHome(deployment, tokens);
  const [home, foreign] = await Promise.all([
    deployment.startRegion(HOME),
    deployment.startRegion(FOREIGN),
  ]);
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
    const authorization = await authorize({
      region: HOME,
      server: home,
      seed: seeded.result,
      seededTokens: tokens,
      full: true,
    });
    return {
      floors: { cryptoFloorHome: floorHome, cryptoFloorRedirected: floorRedirected },
      scenarios: {
        provisioningHome: homeCard,
        provisioningRedirected: redirected,
        authorizationRegion: authorization.region,
        authorizationRouter: authorization.router,
        authorizationAt70: authorization.at70,
      },
    };
  } finally {
    await Promise.all([home.stop(), foreign.stop()]);
  }
}

/** A provisioning flow of a card of `cardRegion` by a device registered in the home region. */
function provisioningSpec(deployment: BenchDeployment, cardRegion: string): WorkloadSpec {
  return { kind: 'provisioning', deployment: deployment.info, home: HOME, cardRegion };
}

/** Seeds `tokens` into the stopped, empty home region; returns what it seeded and the seconds it took. */
export async function seedHome(
  deployment: BenchDeployment,
  tokens: number,
): Promise<{ result: SeedResult; seconds: number }> {
  progress(`seeding ${tokens} tokens into ${HOME}…`);
  const started = performance.now();
  const result = await deployment.seed(HOME, tokens, 0);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  progress(`seeded ${tokens} tokens in ${seconds} s`);
  return { result, seconds };
}
