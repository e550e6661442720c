/**
 * Start-up figures of the compiled build, beside `node -e 0` measured in the same run: the CLI
 * (`domicile --version`, `domicile --help`) and a region process from spawn to its first 200 on
 * `/readyz`, on a new SQLite database and again after the previous process was killed with SIGKILL.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, generateKeys, readRegionsConfig, signDeploymentDirectory } from '@domicile/cli';
import { cpuSeconds } from './service-process.js';
import { round, spread, type Spread } from './stats.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../config/regions.yaml', import.meta.url));

/**
 * Preloaded into every timed Node process: at exit it writes the CPU time the process used, every
 * thread of it, to file descriptor 3.
 */
const REPORT_CPU =
  'data:text/javascript,import{writeSync}from"node:fs";' +
  'process.on("exit",()=>{const u=process.cpuUsage();writeSync(3,String((u.user+u.system)/1000))});';

/** Wall-clock time from spawn to exit (or to ready), and the CPU time the process used, in ms. */
export interface StartupFigure {
  readonly wallMs: Spread;
  readonly cpuMs: Spread;
}

export interface StartupFigures {
  readonly runs: number;
  /** `node -e 0`: what starting Node itself costs on this machine now. */
  readonly node: StartupFigure;
  readonly cliVersion: StartupFigure;
  readonly cliHelp: StartupFigure;
  /** `region serve` on a new SQLite database (migrations included), until `/readyz` answers 200. */
  readonly regionFirstStart: StartupFigure;
  /** `region serve` again on the same database, after SIGKILL of the previous process. */
  readonly regionRestartAfterKill: StartupFigure;
}

/** Runs `node args…` to its end; its wall-clock and CPU time in ms. */
function timeNode(args: readonly string[]): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', REPORT_CPU, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let cpu = '';
    let err = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => (cpu += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${String(code)}: ${err}`));
      else resolve({ wallMs, cpuMs: Number(cpu) });
    });
  });
}

function figure(samples: readonly { wallMs: number; cpuMs: number }[]): StartupFigure {
  return {
    wallMs: spread(samples.map((s) => round(s.wallMs))),
    cpuMs: spread(samples.map((s) => round(s.cpuMs))),
  };
}

/** `runs` timings of each `node args…`, taken in turns so that a busy spell hits them all. */
async function inTurns<K extends string>(
  commands: Readonly<Record<K, readonly string[]>>,
  runs: number,
): Promise<Record<K, StartupFigure>> {
  const entries = Object.entries(commands) as [K, readonly string[]][];
  const samples = new Map(
    entries.map(([name]) => [name, [] as { wallMs: number; cpuMs: number }[]]),
  );
  for (let run = 0; run < runs; run++)
    for (const [name, args] of entries) samples.get(name)?.push(await timeNode(args));
  return Object.fromEntries(
    entries.map(([name]) => [name, figure(samples.get(name) ?? [])]),
  ) as Record<K, StartupFigure>;
}

/** Asks `/readyz` until it answers 200 (or the process exits): ms since `started`. */
async function untilReady(url: string, started: number, exited: () => boolean): Promise<number> {
  const deadline = started + 120_000;
  while (performance.now() < deadline) {
    if (exited()) throw new Error('the region exited before it was ready');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} did not answer 200 within 120 s`);
}

/** One `region serve` from spawn to ready; then SIGKILL of it (its process group). */
async function regionStartToReady(
  dir: string,
  baseUrl: string,
): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      CLI,
      ...['region', 'serve', '--region', 'us', '--dir', dir, '--db', `sqlite:${dir}/us.db`],
      ...['--log-file', join(dir, 'us.log')],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  try {
    const wallMs = await untilReady(`${baseUrl}/readyz`, started, () => exited).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${err.slice(-2000)}`);
      },
    );
    const cpu = child.pid === undefined ? undefined : cpuSeconds(child.pid);
    return { wallMs, cpuMs: cpu === undefined ? Number.NaN : cpu * 1000 };
  } finally {
    if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    await gone;
  }
}

/** Every start-up figure, each from `runs` runs. */
export async function measureStartup(runs: number): Promise<StartupFigures> {
  const cli = await inTurns(
    { node: ['-e', '0'], cliVersion: [CLI, '--version'], cliHelp: [CLI, '--help'] },
    runs,
  );
  const first: { wallMs: number; cpuMs: number }[] = [];
  const restart: { wallMs: number; cpuMs: number }[] = [];
  for (let run = 0; run < runs; run++) {
    const dir = await mkdtemp(join(tmpdir(), 'domicile-startup-'));
    try {
      const config = await readRegionsConfig(CONFIG);
      const [port] = await freePorts(1);
      const baseUrl = `http://127.0.0.1:${String(port)}`;
      await generateKeys(dir, config);
      await signDeploymentDirectory(dir, config, {
        baseUrls: new Map([['us', baseUrl]]),
        networkBaseUrls: new Map(),
      });
      first.push(await regionStartToReady(dir, baseUrl));
      restart.push(await regionStartToReady(dir, baseUrl));
    } catch (error) {
      const log = await readFile(join(dir, 'us.log'), 'utf8').catch(() => '');
      throw new Error(`region start-up failed: ${String(error)}\n${log.slice(-2000)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return {
    runs,
    ...cli,
    regionFirstStart: figure(first),
    regionRestartAfterKill: figure(restart),
  };
}

/** The start-up figures as lines of the bench's table. */
export function formatStartup(figures: StartupFigures): string {
  const ratio = (f: StartupFigure): string =>
    figures.node.cpuMs.median > 0
      ? `${(f.cpuMs.median / figures.node.cpuMs.median).toFixed(1)}× node -e 0`
      : '';
  const row = (name: string, f: StartupFigure): string =>
    `${name.padEnd(50)}${fmt(f.wallMs).padEnd(32)}${fmt(f.cpuMs).padEnd(28)}${f === figures.node ? '' : ratio(f)}`;
  return [
    '',
    `Start-up (compiled build; median [min–max] of ${figures.runs} runs)`,
    `${'figure'.padEnd(50)}${'wall ms'.padEnd(32)}${'CPU ms'.padEnd(28)}CPU ÷ node -e 0`,
    row('node -e 0', figures.node),
    row('domicile --version', figures.cliVersion),
    row('domicile --help', figures.cliHelp),
    row('region serve → /readyz 200, new SQLite file', figures.regionFirstStart),
    row('region serve → /readyz 200, after kill -9', figures.regionRestartAfterKill),
    '',
  ].join('\n');
}

function fmt(s: Spread): string {
  const n = (v: number): string => (Number.isFinite(v) ? String(Math.round(v)) : '–');
  return `${n(s.median)} [${n(s.min)}–${n(s.max)}]`;
}
