/**
 * The authorization scenario alone (`bench/scenarios/authorization-scenarios.ts`: closed loop at
 * the home region in rounds alternating with those through the network router, then open loop at
 * 70% of that maximum for its p99), on a fresh deployment of
 * the built CLI with 1,000 seeded tokens: to compare a change of the region's commit path in
 * minutes, not the full bench's quarter hour. Its figures are not the bench's: fewer rounds.
 *
 *   npm run build && npx tsx --conditions=@domicile/source bench/authorization-only.ts [--db sqlite|postgres] [--rounds 3] [--per-round 2000] [--profile DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { definedProps } from '@domicile/protocol';
import { createBenchDeployment } from './bench-deployment.js';
import type { BenchSettings } from './bench-options.js';
import type { Figure, Unmeasured } from './report.js';
import { authorizationProbe } from './scenarios/authorization-scenarios.js';

const HOME = 'us';
const TOKENS = 1_000;

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '3' },
    'per-round': { type: 'string', default: '2000' },
    profile: { type: 'string' },
  },
});
const database = values.db === 'postgres' ? 'postgres' : 'sqlite';
const perRound = Number(values['per-round']);
const settings: BenchSettings = {
  mode: 'full',
  database,
  concurrency: 8,
  provisioning: { warmup: 0, rounds: 0, perRound: 0 },
  httpCeiling: { warmup: 0, rounds: 0, perRound: 0 },
  authorization: { warmup: perRound, rounds: Number(values.rounds), perRound },
  scaleTokens: { small: TOKENS, large: TOKENS },
};

const dir = await mkdtemp(join(tmpdir(), 'domicile-authorization-'));
const deployment = await createBenchDeployment({
  dir,
  database,
  ...definedProps({ profileDir: values.profile }),
});
try {
  const seed = await deployment.seed(HOME, TOKENS, 0);
  const server = await deployment.startRegion(HOME);
  const figures = await authorizationProbe(
    settings,
    deployment,
  )({ region: HOME, server, seed, seededTokens: TOKENS, full: true });
  const row = (figure: Figure | Unmeasured) =>
    'unmeasured' in figure
      ? { unmeasured: figure.unmeasured }
      : {
          'authorizations/s (median)': figure.throughput.median.toFixed(0),
          'p50 ms (median)': figure.p50Ms.median.toFixed(1),
          'p99 ms (median)': figure.p99Ms.median.toFixed(1),
          'region CPU ms/op': figure.cpuMsPerOperation[`region ${HOME}`]?.toFixed(3),
          errors: figure.errors,
        };
  console.table({
    'closed loop': row(figures.region),
    'at 70% of max': row(figures.at70),
    'via router': row(figures.router),
  });
} finally {
  await deployment.close();
  await rm(dir, { recursive: true, force: true });
}
