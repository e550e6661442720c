import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDeployment } from './bench-deployment.js';
import type { BenchOptions } from './bench-options.js';
import { evaluateTargets, machineInfo, type BenchReport } from './report.js';
import { authorizationProbe } from './scenarios/authorization-scenarios.js';
import {
  measureHttpCeiling,
  measurePrimitiveFloors,
  measureSignedCommitCeiling,
} from './scenarios/baseline-scenarios.js';
import { progress } from './scenarios/measure.js';
import { measureRegionScenarios, type RegionFigures } from './scenarios/region-scenarios.js';
import { measureScalePoints } from './scenarios/scale-scenarios.js';
import { measureHsmScenarios } from './scenarios/key-provider-scenarios.js';
import { profileLoadGenerators } from './run-load.js';
import { definedProps } from '@domicile/protocol';

/**
 * One benchmark run: the HTTP ceiling, then the scenarios (with the crypto floors alternating
 * with the provisioning flows) on a fresh deployment of real region processes, then the two scale
 * points side by side, in one go, so every ratio compares figures taken on the same machine at
 * most minutes apart (and the ratios of figures taken side by side, round by round).
 */
export async function runBenchmarks(options: BenchOptions): Promise<BenchReport> {
  const { settings } = options;
  const startedAt = new Date();
  progress(
    `${settings.mode} run on ${settings.database}, ${settings.concurrency} operations in flight`,
  );
  if (options.profileDir !== undefined) profileLoadGenerators(options.profileDir);
  const httpCeiling = await measureHttpCeiling(settings);
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'domicile-bench-')));
  const signedCommitCeiling = await measureSignedCommitCeiling(settings, dir);
  const primitiveFloors = await measurePrimitiveFloors(settings);
  const deployment = await createBenchDeployment({
    dir,
    database: settings.database,
    ...definedProps({ profileDir: options.profileDir }),
  });
  let measured: RegionFigures;
  let scale: BenchReport['scale'];
  try {
    measured = await measureRegionScenarios(
      settings,
      deployment,
      authorizationProbe(settings, deployment),
    ).finally(() => deployment.close());
    scale = await measureScalePoints(settings, dir, options.profileDir);
  } finally {
    if (options.dataDir === undefined) await rm(dir, { recursive: true, force: true });
  }
  const hsm = await measureHsmScenarios(settings);
  const { floors, scenarios } = measured;
  const baselines = { ...floors, ...primitiveFloors, httpCeiling, signedCommitCeiling };
  const finishedAt = new Date();
  const notes = [
    'Figures depend on the machine and on whatever else runs on it; the ratios to the baselines measured in the same run are what the targets judge.',
    ...(settings.mode === 'quick'
      ? [
          `Quick mode: a smoke run with few operations and ${settings.scaleTokens.large} tokens for the large scale point; its figures are not a measurement.`,
        ]
      : []),
  ];
  return {
    format: 'domicile-bench/1',
    mode: settings.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    machine: machineInfo(),
    database: settings.database,
    settings,
    baselines,
    scenarios,
    scale,
    keyProviders: { hsm },
    targets: evaluateTargets({ baselines, scenarios, scale }),
    notes,
  };
}
