/**
 * The scale points alone (`bench/scenarios/scale-scenarios.ts`): authorization, optionally
 * provisioning, and each region's peak resident memory, on kept, seeded SQLite databases. Seeding
 * a million tokens takes minutes, so each point is seeded once into its folder (`--point
 * DIR:TOKENS[:NODE FLAGS]`: keys and the seeded database) and every later run measures a copy of that
 * database under the same keys. With two points both regions run at once and their rounds
 * alternate in one load run, so the drop from one to the other compares rounds taken seconds
 * apart, as in the full bench, whose measurements this runs. Its figures are not the bench's: fewer rounds, and kept databases copied rather than seeded.
 *
 *   npm run build && npx tsx --conditions=@domicile/source bench/scale-only.ts --point DIR:1000 --point DIR2:1000000 [--rounds 3] [--per-round 3000] [--warmup 3000] [--provisioning] [--profile DIR]
 */
import { copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SeedResult } from '@domicile/region';
import { createBenchDeployment } from './bench-deployment.js';
import { isFigure, type Figure } from './report.js';
import {
  SCALE_REGION,
  measureScaleAuthorization,
  measureScaleProvisioning,
  type RunningScalePoint,
} from './scenarios/scale-scenarios.js';
import { definedProps } from '@domicile/protocol';

const CONCURRENCY = 8;

const { values } = parseArgs({
  options: {
    point: { type: 'string', multiple: true },
    warmup: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    'per-round': { type: 'string', default: '3000' },
    provisioning: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const points = (values.point ?? []).map((p) => {
  const [seeded = '', tokens, flags] = p.split(':');
  return { seeded, tokens: Number(tokens), nodeArgs: flags?.split(' ').filter(Boolean) };
});
if (points.length === 0 || points.some((p) => !(p.tokens > 0)))
  throw new Error('--point DIR:TOKENS is needed (seeded there once, kept), once or twice');

const running: RunningScalePoint[] = [];
try {
  for (const [i, point] of points.entries()) running.push(await start(point, `run-${i}`));
  const rounds = Number(values.rounds);
  if (values.provisioning)
    report(
      'provisioning',
      await measureScaleProvisioning(running, { warmup: 40, rounds, perRound: 250 }, CONCURRENCY),
    );
  report(
    'authorization',
    (
      await measureScaleAuthorization(
        running,
        { warmup: Number(values.warmup), rounds, perRound: Number(values['per-round']) },
        CONCURRENCY,
      )
    ).filter(isFigure),
  );
  for (const p of running)
    console.log(
      `${p.tokens} tokens: region peak resident memory ${p.server.peakRssMb() ?? '?'} MiB`,
    );
} finally {
  for (const p of running) await p.deployment.close();
}

/** Seeds `tokens` into `seeded` unless done before; starts a region on a fresh copy of that database. */
async function start(
  point: { seeded: string; tokens: number; nodeArgs: readonly string[] | undefined },
  run: string,
): Promise<RunningScalePoint> {
  const { seeded, tokens } = point;
  const seedFile = join(seeded, `seed-${tokens}.json`);
  const seed = await readFile(seedFile, 'utf8').then(
    (text) => JSON.parse(text) as SeedResult,
    async () => {
      await mkdir(seeded, { recursive: true });
      const deployment = await createBenchDeployment({
        dir: seeded,
        database: 'sqlite',
        reuseKeys: true,
      });
      try {
        const result = await deployment.seed(SCALE_REGION, tokens, 0);
        await writeFile(seedFile, JSON.stringify(result));
        await copyFile(
          join(seeded, `${SCALE_REGION}.db`),
          join(seeded, `${SCALE_REGION}-${tokens}.db`),
        );
        return result;
      } finally {
        await deployment.close();
      }
    },
  );
  // A run claims ATCs and records transactions: it works on a copy, so every run starts alike.
  const dir = join(seeded, run);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  await cp(join(seeded, 'keys'), join(dir, 'keys'), { recursive: true });
  await copyFile(join(seeded, `${SCALE_REGION}-${tokens}.db`), join(dir, `${SCALE_REGION}.db`));
  const deployment = await createBenchDeployment({
    dir,
    database: 'sqlite',
    reuseKeys: true,
    ...definedProps({ profileDir: values.profile, regionNodeArgs: point.nodeArgs }),
  });
  return { tokens, seed, deployment, server: await deployment.startRegion(SCALE_REGION) };
}

function report(name: string, figures: readonly Figure[]): void {
  const rows = figures.map((f, i) => ({
    point: `${name}, ${running[i]?.tokens ?? '?'} tokens`,
    'per s (median)': f.throughput.median.toFixed(0),
    'per s (rounds)': f.rounds.map((r) => r.throughput.toFixed(0)).join(' '),
    'p99 ms (median)': f.p99Ms.median.toFixed(1),
    'region CPU ms/op': Object.entries(f.cpuMsPerOperation)
      .filter(([k]) => k.startsWith('region'))
      .map(([, v]) => v.toFixed(3))
      .join(' '),
    errors: f.errors,
  }));
  console.table(rows);
  const [small, large] = figures;
  if (small !== undefined && large !== undefined) {
    const drops = small.rounds.map((r, i) => 1 - (large.rounds[i]?.throughput ?? 0) / r.throughput);
    console.log(
      `${name} drop per round pair: ${drops.map((d) => `${(d * 100).toFixed(1)}%`).join(' ')}`,
    );
  }
}
