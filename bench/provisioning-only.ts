/**
 * The home-card provisioning scenario alone (scenario 1 of `bench/scenarios/region-scenarios.ts`),
 * and with `--redirected` the redirected-card one beside it, on a fresh deployment of the built CLI
 * with 1,000 seeded tokens: to compare a change of the region's provisioning path by its CPU per
 * flow in minutes, not the full bench's quarter hour. Its figures are not the bench's: fewer
 * rounds, no crypto floors between them. `--profile DIR` writes a V8 CPU profile of each region
 * process (`--cpu-prof`) when it stops; warm-up included, so skip its share when aggregating.
 *
 *   npm run build && npx tsx --conditions=@domicile/source bench/provisioning-only.ts [--db sqlite|postgres] [--rounds 3] [--per-round 300] [--redirected] [--profile DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { definedProps } from '@domicile/protocol';
import { createBenchDeployment } from './bench-deployment.js';
import type { Figure } from './report.js';
import { consoleRow } from './report-table.js';
import { measureInterleaved, type MeasuredWorkload } from './scenarios/measure.js';
import type { ServiceProcess } from './service-process.js';

const HOME = 'us';
const FOREIGN = 'cn';
const TOKENS = 1_000;

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '3' },
    'per-round': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    redirected: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const database = values.db === 'postgres' ? 'postgres' : 'sqlite';
const perRound = Number(values['per-round']);
const size = { warmup: perRound, rounds: Number(values.rounds), perRound };

const dir = await mkdtemp(join(tmpdir(), 'domicile-provisioning-'));
const deployment = await createBenchDeployment({
  dir,
  database,
  ...definedProps({ profileDir: values.profile }),
});
try {
  await deployment.seed(HOME, TOKENS, 0);
  const home = await deployment.startRegion(HOME);
  const servers: ServiceProcess[] = [home];
  if (values.redirected) servers.push(await deployment.startRegion(FOREIGN));
  const workload = (label: string, cardRegion: string): MeasuredWorkload => ({
    label,
    workload: { kind: 'provisioning', deployment: deployment.info, home: HOME, cardRegion },
    servers: [...servers, ...deployment.databaseServers],
  });
  const measured = [workload('home card', HOME)];
  if (values.redirected) measured.push(workload('redirected card', FOREIGN));
  const figures = await measureInterleaved(measured, size, {
    concurrency: Number(values.concurrency),
    unit: 'flows/s',
  });
  const row = (figure: Figure) => consoleRow(figure, 'flows/s', 'flow', 1);
  console.table(Object.fromEntries(measured.map((m, i) => [m.label, row(figures[i] as Figure)])));
  // Each region stops gracefully here, so that `--cpu-prof` writes its profile.
  await Promise.all(servers.map((server) => server.stop()));
} finally {
  await deployment.close();
  await rm(dir, { recursive: true, force: true });
}
