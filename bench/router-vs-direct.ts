/**
 * Authorization through the network router against direct to the region, in alternating rounds
 * (one load run, half the seeded tokens each), on a fresh deployment of the built CLI with 1,000
 * seeded tokens: the router's cost per request (its CPU, and what it adds to the region's) and
 * the throughput ratio of the bench's target, in minutes and meaningful on a busy machine. Its
 * figures are not the bench's: fewer rounds. `--profile DIR` writes V8 CPU profiles of the region
 * and router processes (`network-*` is the router's).
 *
 *   npm run build && npx tsx --conditions=@domicile/source bench/router-vs-direct.ts [--rounds 5] [--per-round 2000] [--profile DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { definedProps } from '@domicile/protocol';
import { createBenchDeployment } from './bench-deployment.js';
import type { AuthorizationSpec } from './load-job.js';
import { throughputRatio, type Figure } from './report.js';
import { consoleRow } from './report-table.js';
import { measureInterleaved } from './scenarios/measure.js';

const HOME = 'us';
const TOKENS = 1_000;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'per-round': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    profile: { type: 'string' },
  },
});
const perRound = Number(values['per-round']);

const dir = await mkdtemp(join(tmpdir(), 'domicile-router-'));
const deployment = await createBenchDeployment({
  dir,
  database: 'sqlite',
  ...definedProps({ profileDir: values.profile }),
});
try {
  const network = Object.keys(deployment.networkUrls)[0];
  if (network === undefined) throw new Error('the regions config lists no card network');
  const seed = await deployment.seed(HOME, TOKENS, 0);
  const region = await deployment.startRegion(HOME);
  const router = await deployment.startNetwork(network);
  const spec: AuthorizationSpec = {
    kind: 'authorization',
    deployment: deployment.info,
    region: HOME,
    tokenRanges: deployment.tokenRanges(HOME),
    network,
    tokens: TOKENS / 2,
    atcBase: 0,
    seed: { tokenExpiry: seed.tokenExpiry, panSequenceNumber: seed.panSequenceNumber },
    via: 'region',
  };
  const [direct, viaRouter] = await measureInterleaved(
    [
      { label: 'direct to the region', workload: spec, servers: [region, router] },
      {
        label: 'through the router',
        workload: {
          ...spec,
          via: 'router',
          routerUrl: deployment.networkUrls[network] ?? '',
          firstToken: TOKENS / 2,
        },
        servers: [region, router],
      },
    ],
    { warmup: perRound, rounds: Number(values.rounds), perRound },
    { concurrency: Number(values.concurrency), unit: 'authorizations/s' },
  );
  if (direct === undefined || viaRouter === undefined) throw new Error('no figures');
  const row = (figure: Figure) => consoleRow(figure, 'authorizations/s', 'op', 0);
  console.table({ direct: row(direct), 'via router': row(viaRouter) });
  console.log(
    `router ÷ direct (median of per-round ratios): ${throughputRatio(viaRouter, direct) ?? '?'}`,
  );
  await router.stop();
} finally {
  await deployment.close();
  await rm(dir, { recursive: true, force: true });
}
