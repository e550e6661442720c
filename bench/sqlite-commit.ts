/**
 * What a durable SQLite commit costs the region's process, three ways in the same run and in
 * alternating rounds: `full` (synchronous = FULL, the fsync inside every COMMIT on the event
 * loop: the former default), `group` (group commit, the default: NORMAL plus one fdatasync of the
 * WAL on the thread pool for the commits that wait together), `group-fsync` (the same with
 * fsync, which this build of SQLite calls where Linux's fdatasync would do: how much of the gain
 * is the cheaper flush) and `normal` (NORMAL, not durable against power loss: the floor). Each round runs `--commits` single-row transactions from
 * `--concurrency` callers on a fresh temporary file through Kysely, as the region does.
 *
 *   npx tsx --conditions=@domicile/source bench/sqlite-commit.ts [--commits 3000] [--rounds 3] [--concurrency 1,50]
 *
 * Per mode and concurrency: commits/s, CPU µs per commit (the whole process: the thread pool's
 * fsyncs included), commit latency p50/p99, and event-loop delay p50/p99/max
 * (`monitorEventLoopDelay`, 1 ms resolution: how late a timer due every millisecond ran). Each
 * transaction starts in a task of its own, as a request does.
 */
import { fsync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@domicile/region';
import { createSqliteDatabase } from '@domicile/region/internals';

type Mode = 'full' | 'group' | 'group-fsync' | 'normal';
const MODES: readonly Mode[] = ['full', 'group', 'group-fsync', 'normal'];

interface Round {
  commitsPerSecond: number;
  cpuMicrosPerCommit: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

async function open(mode: Mode, filename: string): Promise<Kysely<Database>> {
  const db = createSqliteDatabase({
    filename,
    ...(mode === 'group'
      ? {}
      : mode === 'group-fsync'
        ? { syncFile: fsync }
        : { durability: 'relaxed' as const }),
  });
  // The former default: the serving connection fsyncs the WAL inside every COMMIT.
  if (mode === 'full') await sql`pragma synchronous = FULL`.execute(db);
  await sql`create table t (id integer primary key, body text not null)`.execute(db);
  return db;
}

async function round(mode: Mode, commits: number, concurrency: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'domicile-commit-bench-'));
  const db = await open(mode, join(dir, 'bench.db'));
  const latencies: number[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < commits) {
      next += 1;
      // A request reaches the region from the network, in a task of its own: without this the
      // synchronous modes would run every commit in one task and the loop would never be sampled.
      await new Promise((resolve) => setImmediate(resolve));
      const started = performance.now();
      await db.transaction().execute(async (trx) => {
        await sql`insert into t (body) values (${'x'.repeat(200)})`.execute(trx);
      });
      latencies.push(performance.now() - started);
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const cpu = process.cpuUsage();
  const wall = performance.now();
  loop.enable();
  await Promise.all(Array.from({ length: concurrency }, caller));
  loop.disable();
  const seconds = (performance.now() - wall) / 1000;
  const used = process.cpuUsage(cpu);
  const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
  if (rows[0]?.n !== commits) throw new Error(`${mode}: ${rows[0]?.n} rows for ${commits} commits`);
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    commitsPerSecond: commits / seconds,
    cpuMicrosPerCommit: (used.user + used.system) / commits,
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    loopP50Ms: loop.percentile(50) / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      commits: { type: 'string', default: '3000' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '1,50' },
    },
  });
  const commits = Number(values.commits);
  const rounds = Number(values.rounds);
  const levels = values.concurrency.split(',').map(Number);
  const results = new Map<string, Round[]>();
  // Alternating rounds, so a machine whose speed drifts weighs on every mode alike.
  for (let r = 0; r < rounds; r++)
    for (const concurrency of levels)
      for (const mode of MODES) {
        const key = `${mode} ×${concurrency}`;
        results.set(key, [...(results.get(key) ?? []), await round(mode, commits, concurrency)]);
      }
  const rows = [...results].map(([key, measured]) => {
    const m = (pick: (round: Round) => number): string => median(measured.map(pick)).toFixed(2);
    return {
      mode: key,
      'commits/s': median(measured.map((x) => x.commitsPerSecond)).toFixed(0),
      'CPU µs/commit': m((x) => x.cpuMicrosPerCommit),
      'latency p50 ms': m((x) => x.latencyP50Ms),
      'latency p99 ms': m((x) => x.latencyP99Ms),
      'loop delay p50 ms': m((x) => x.loopP50Ms),
      'loop delay p99 ms': m((x) => x.loopP99Ms),
      'loop delay max ms': m((x) => x.loopMaxMs),
    };
  });
  console.log(`${commits} single-row transactions per round, ${rounds} rounds, medians of rounds`);
  console.table(rows);
}

await main();
