import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOFTHSM_MODULE } from '@domicile/region/testing';
import { isFigure, type BenchReport, type Figure, type Unmeasured } from './report.js';
import type { StartupFigures } from './startup.js';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));
let dir: string;
let report: BenchReport & { startup: StartupFigures };
let table: string;
/** The bench's process group (it and the region processes it starts), while it runs. */
let benchGroup: number | undefined;

/** `npm run bench -- --quick`, as a user runs it, into a temporary JSON file. */
function runQuick(out: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@domicile/source', RUN, '--quick', '--out', out],
      // A group of its own: if the hook times out, teardown kills the regions it started too.
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    benchGroup = child.pid;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      benchGroup = undefined;
      if (code === 0) resolve(stdout);
      else reject(new Error(`bench exited with ${String(code)}\n${stderr}`));
    });
  });
}

function expectFigure(value: Figure | Unmeasured, rounds: number): void {
  expect(isFigure(value), JSON.stringify(value)).toBe(true);
  if (!isFigure(value)) return;
  expect(value.errors, value.firstError).toBe(0);
  expect(value.rounds).toHaveLength(rounds);
  for (const figure of [value.throughput, value.p50Ms, value.p99Ms]) {
    expect(figure.min).toBeLessThanOrEqual(figure.median);
    expect(figure.median).toBeLessThanOrEqual(figure.max);
    expect(Number.isFinite(figure.median)).toBe(true);
  }
  expect(value.cpuMsPerOperation['load generator']).toBeTypeOf('number');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'domicile-bench-test-'));
  const out = join(dir, 'latest.json');
  table = await runQuick(out);
  report = JSON.parse(await readFile(out, 'utf8')) as BenchReport & { startup: StartupFigures };
  // A guard against a hang, not a speed check: on this two-core machine, loaded by other test
  // runs, the quick run took 8 minutes (seeding alone 2), against about one when it is idle;
  // the HSM-key scenarios add a deployment of their own.
}, 1_200_000);
afterAll(async () => {
  if (benchGroup !== undefined) process.kill(-benchGroup, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

// The quick mode runs the whole harness on real processes; nothing here judges its speed.
describe('npm run bench -- --quick', () => {
  it('describes the machine, Node and the database of the run', () => {
    expect(report).toMatchObject({ format: 'domicile-bench/1', mode: 'quick', database: 'sqlite' });
    expect(report.machine.cpu).not.toBe('');
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
  });

  it('measures both baselines and every scenario, with no failed operation', () => {
    const { rounds } = report.settings.provisioning;
    expectFigure(report.baselines.cryptoFloorHome, rounds);
    expectFigure(report.baselines.cryptoFloorRedirected, rounds);
    expectFigure(report.baselines.httpCeiling, report.settings.httpCeiling.rounds);
    expect(Object.keys(report.baselines.httpCeiling.cpuMsPerOperation)).toContain('ceiling');
    expectFigure(report.baselines.signedCommitCeiling, report.settings.httpCeiling.rounds);
    for (const floor of [
      report.baselines.primitiveFloorHome,
      report.baselines.primitiveFloorRedirected,
      report.baselines.primitiveFloorAuthorization,
    ])
      expectFigure(floor, rounds);
    expectFigure(report.scenarios.provisioningHome, rounds);
    expectFigure(report.scenarios.provisioningRedirected, rounds);
    expect(Object.keys(report.scenarios.provisioningRedirected.cpuMsPerOperation)).toEqual(
      expect.arrayContaining(['region us', 'region cn']),
    );
    for (const figure of [
      report.scenarios.authorizationRegion,
      report.scenarios.authorizationRouter,
      report.scenarios.authorizationAt70,
    ]) {
      expectFigure(figure, report.settings.authorization.rounds);
    }
  });

  it('measures both scale points, with the peak memory of the region process', () => {
    const { small, large } = report.scale;
    expect([small.seededTokens, large.seededTokens]).toEqual([
      report.settings.scaleTokens.small,
      report.settings.scaleTokens.large,
    ]);
    for (const point of [small, large]) {
      expectFigure(point.provisioning, report.settings.provisioning.rounds);
      expectFigure(point.authorization, report.settings.authorization.rounds);
      expect(point.peakRssMb).toBeGreaterThan(0);
    }
  });

  it.skipIf(SOFTHSM_MODULE === undefined)(
    'measures provisioning and authorization with every region key in SoftHSM2, beside file keys',
    () => {
      const hsm = report.keyProviders?.hsm;
      expect(hsm !== undefined && 'provisioningHome' in hsm, JSON.stringify(hsm)).toBe(true);
      if (hsm === undefined || !('provisioningHome' in hsm)) return;
      expectFigure(hsm.provisioningHome, report.settings.provisioning.rounds);
      expectFigure(hsm.provisioningRedirected, report.settings.provisioning.rounds);
      expectFigure(hsm.authorizationRegion, report.settings.authorization.rounds);
      expect(table).toContain('provisioning, home card, HSM keys');
    },
  );

  it('judges every target on a measured figure, and prints the table', () => {
    expect(report.targets.map((t) => t.id)).toEqual([
      'provisioning-home-cpu-vs-primitive-floor',
      'provisioning-redirected-cpu-vs-primitive-floor',
      'authorization-cpu-vs-primitive-floor',
      'provisioning-redirected-vs-home',
      'authorization-vs-signed-commit-ceiling',
      'authorization-router-vs-direct',
      'authorization-p99-at-70',
      'scale-provisioning-drop',
      'scale-authorization-drop',
      'scale-peak-rss',
    ]);
    for (const target of report.targets) {
      expect(target.value, target.id).toBeTypeOf('number');
      expect(target.met, target.id).toBeTypeOf('boolean');
    }
    expect(table).toContain('Targets');
    for (const target of report.targets) expect(table).toContain(target.description);
  });

  it('times the CLI and a region starting, beside node -e 0, and prints them', () => {
    const { startup } = report;
    expect(startup.runs).toBe(1);
    for (const figure of [
      startup.node,
      startup.cliVersion,
      startup.cliHelp,
      startup.regionFirstStart,
      startup.regionRestartAfterKill,
    ]) {
      expect(figure.wallMs.median).toBeGreaterThan(0);
      expect(figure.cpuMs.median).toBeGreaterThan(0);
    }
    expect(table).toContain('Start-up (compiled build');
    expect(table).toContain('region serve → /readyz 200, after kill -9');
  });
});
