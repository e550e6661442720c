import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOFTHSM_MODULE, createSoftHsm } from '@domicile/region/testing';
import { createBenchDeployment } from '../bench-deployment.js';
import type { BenchSettings } from '../bench-options.js';
import type { Figure, Unmeasured } from '../report.js';
import { authorizationProbe } from './authorization-scenarios.js';
import { measureInterleaved, progress } from './measure.js';

const HOME = 'us';
const FOREIGN = 'cn';
const TOKEN = 'domicile-bench';

/** Scenarios 1–3 with every region key in a PKCS#11 token, beside the file-key figures. */
export interface HsmFigures {
  readonly provisioningHome: Figure;
  readonly provisioningRedirected: Figure;
  readonly authorizationRegion: Figure | Unmeasured;
}

/**
 * The provisioning flows (home and redirected, rounds alternating) and authorization at the
 * region endpoint, on a deployment of its own whose signing keys, TSM keys and vault KEKs are in
 * a SoftHSM2 token made for this run (`keys generate --hsm`, `region serve --key-provider
 * pkcs11`), seeded with the small scale point's tokens. Figures, not targets: SoftHSM2 is a
 * software token, so they show what the PKCS#11 path costs, not what a hardware HSM does.
 */
export async function measureHsmScenarios(
  settings: BenchSettings,
): Promise<HsmFigures | Unmeasured> {
  if (SOFTHSM_MODULE === undefined)
    return { unmeasured: 'SoftHSM2 is not installed (scripts/ensure-softhsm.sh installs it)' };
  const softHsm = await createSoftHsm(TOKEN);
  const dir = await mkdtemp(join(tmpdir(), 'domicile-bench-hsm-'));
  try {
    const deployment = await createBenchDeployment({
      dir,
      database: settings.database,
      hsm: softHsm.tokenOptions(TOKEN),
    });
    try {
      const tokens = settings.scaleTokens.small;
      progress(`HSM keys: seeding ${tokens} tokens into ${HOME}…`);
      const seed = await deployment.seed(HOME, tokens, 0);
      // One after the other: two processes opening one SoftHSM2 token directory at the same
      // instant failed once in CI with CKR_GENERAL_ERROR (Pkcs11Error INTERNAL) at start.
      const home = await deployment.startRegion(HOME);
      // If cn fails to start, `deployment.close()` below stops us (it stops every region it started).
      const foreign = await deployment.startRegion(FOREIGN);
      try {
        const spec = (cardRegion: string) =>
          ({ kind: 'provisioning', deployment: deployment.info, home: HOME, cardRegion }) as const;
        const [provisioningHome, provisioningRedirected] = await measureInterleaved(
          [
            { label: 'HSM keys: provisioning, home card', workload: spec(HOME), servers: [home] },
            {
              label: 'HSM keys: provisioning, redirected card',
              workload: spec(FOREIGN),
              servers: [home, foreign],
            },
          ],
          settings.provisioning,
          { concurrency: settings.concurrency, unit: 'flows/s' },
        );
        if (provisioningHome === undefined || provisioningRedirected === undefined)
          throw new Error('the HSM provisioning run gave fewer figures than workloads');
        const authorization = await authorizationProbe(
          settings,
          deployment,
        )({ region: HOME, server: home, seed, seededTokens: tokens, full: false });
        return {
          provisioningHome,
          provisioningRedirected,
          authorizationRegion: authorization.region,
        };
      } finally {
        await Promise.all([home.stop(), foreign.stop()]);
      }
    } finally {
      await deployment.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await softHsm.remove();
  }
}
