import { cpus, platform, arch, totalmem } from 'node:os';
import type { BenchSettings } from './bench-options.js';
import type { LoadResult, RoundResult } from './load-job.js';
import type { HsmFigures } from './scenarios/key-provider-scenarios.js';
import { round, spread, type Spread } from './stats.js';
import { definedProps } from '@domicile/protocol';

/** One measured figure: throughput and latency over the rounds (median, min, max). */
export interface Figure {
  readonly unit: string;
  readonly concurrency: number;
  /** Open-loop arrival rate, per second, when the figure was taken at a fixed rate. */
  readonly rate?: number;
  readonly throughput: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly errors: number;
  readonly firstError?: string;
  readonly prepareSeconds: number;
  /**
   * CPU time per counted operation, in ms, of the load generator and of each server process
   * (`region us`, …): what an operation costs, whatever else the machine was doing.
   */
  readonly cpuMsPerOperation: Readonly<Record<string, number>>;
  readonly rounds: readonly RoundResult[];
  /**
   * Set on figures whose rounds were taken alternately in one load run (the same value on each):
   * round i of one ran seconds before or after round i of the others.
   */
  readonly series?: string;
}

/** A figure that could not be taken, and why. */
export interface Unmeasured {
  readonly unmeasured: string;
}

export interface ScalePoint {
  /** Tokens seeded into the region's vault before the measurement. */
  readonly seededTokens: number;
  readonly seedSeconds: number;
  readonly provisioning: Figure;
  readonly authorization: Figure | Unmeasured;
  /** Peak resident memory of the region process over the measurement (VmHWM), MiB. */
  readonly peakRssMb: number | null;
}

export interface TargetResult {
  readonly id: string;
  readonly description: string;
  readonly value: number | null;
  /** `ratio` is shown as a percentage, `multiple` as a factor (2×). */
  readonly unit: 'ratio' | 'multiple' | 'ms' | 'MiB';
  readonly comparison: '>=' | '<=' | '<';
  readonly limit: number;
  /** null when a figure it needs was not measured. */
  readonly met: boolean | null;
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryMb: number;
  readonly node: string;
  readonly platform: string;
}

export interface BenchReport {
  readonly format: 'domicile-bench/1';
  readonly mode: BenchSettings['mode'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly database: BenchSettings['database'];
  readonly settings: BenchSettings;
  readonly baselines: {
    readonly cryptoFloorHome: Figure;
    readonly cryptoFloorRedirected: Figure;
    readonly httpCeiling: Figure;
    /** The region's irreducible work per operation (node:crypto, durable commits), in process. */
    readonly primitiveFloorHome: Figure;
    readonly primitiveFloorRedirected: Figure;
    readonly primitiveFloorAuthorization: Figure;
    /** One ES256 verification and one durable commit per request: the authorization's bound. */
    readonly signedCommitCeiling: Figure;
  };
  readonly scenarios: {
    readonly provisioningHome: Figure;
    readonly provisioningRedirected: Figure;
    readonly authorizationRegion: Figure | Unmeasured;
    readonly authorizationRouter: Figure | Unmeasured;
    /** The region endpoint at 70% of its measured maximum, open loop. */
    readonly authorizationAt70: Figure | Unmeasured;
  };
  readonly scale: { readonly small: ScalePoint; readonly large: ScalePoint };
  /**
   * Scenarios 1–3 again with every region key in a PKCS#11 token (SoftHSM2), beside the file-key
   * figures above: figures, not targets.
   */
  readonly keyProviders?: { readonly hsm: HsmFigures | Unmeasured };
  readonly targets: readonly TargetResult[];
  readonly notes: readonly string[];
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${platform()} ${arch()}`,
  };
}

export function figureOf(
  result: LoadResult,
  unit: string,
  job: { concurrency: number; rate?: number },
  cpuMsPerOperation: Readonly<Record<string, number>>,
  series?: string,
): Figure {
  return {
    unit,
    concurrency: job.concurrency,
    ...(job.rate === undefined ? {} : { rate: round(job.rate) }),
    throughput: spread(result.rounds.map((r) => r.throughput)),
    p50Ms: spread(result.rounds.map((r) => r.latencyMs.p50)),
    p99Ms: spread(result.rounds.map((r) => r.latencyMs.p99)),
    errors: result.errors,
    ...definedProps({ firstError: result.firstError }),
    prepareSeconds: result.prepareSeconds,
    cpuMsPerOperation,
    rounds: result.rounds,
    ...definedProps({ series }),
  };
}

export function isFigure(value: Figure | Unmeasured): value is Figure {
  return 'throughput' in value;
}

/**
 * Throughput of `a` over that of `b`. Figures of one series (rounds taken alternately) are
 * compared round by round, and the median of those ratios is the answer: a drift of the machine's
 * speed between rounds moves both sides of each ratio. Other figures compare their medians.
 */
export function throughputRatio(a: Figure | Unmeasured, b: Figure | Unmeasured): number | null {
  if (!isFigure(a) || !isFigure(b)) return null;
  if (a.series !== undefined && a.series === b.series && a.rounds.length === b.rounds.length) {
    const ratios = a.rounds
      .map((r, i) => r.throughput / (b.rounds[i]?.throughput ?? Number.NaN))
      .filter(Number.isFinite);
    return ratios.length === 0 ? null : spread(ratios).median;
  }
  return b.throughput.median === 0 ? null : round(a.throughput.median / b.throughput.median);
}

/**
 * CPU per operation of the region processes of `scenario` (every `region …` entry together)
 * over that of the in-process `floor` (its load generator's): how many times the irreducible
 * work the regions spend.
 */
export function cpuRatio(scenario: Figure | Unmeasured, floor: Figure): number | null {
  if (!isFigure(scenario)) return null;
  const regions = Object.entries(scenario.cpuMsPerOperation).filter(([who]) =>
    who.startsWith('region '),
  );
  const floorMs = floor.cpuMsPerOperation['load generator'];
  if (regions.length === 0 || floorMs === undefined || floorMs <= 0) return null;
  return round(regions.reduce((sum, [, ms]) => sum + ms, 0) / floorMs);
}

type Measured = Pick<BenchReport, 'baselines' | 'scenarios' | 'scale'>;

/** The targets, each with the figure it judges and whether it is met. */
export function evaluateTargets(m: Measured): TargetResult[] {
  /** Taken round by round when the two points ran side by side (see {@link throughputRatio}). */
  const drop = (small: Figure | Unmeasured, large: Figure | Unmeasured): number | null => {
    const ratio = throughputRatio(large, small);
    return ratio === null ? null : round(1 - ratio);
  };
  const at70 = m.scenarios.authorizationAt70;
  const target = (t: Omit<TargetResult, 'met'>): TargetResult => ({
    ...t,
    met:
      t.value === null
        ? null
        : t.comparison === '>='
          ? t.value >= t.limit
          : t.comparison === '<='
            ? t.value <= t.limit
            : t.value < t.limit,
  });
  return [
    target({
      id: 'provisioning-home-cpu-vs-primitive-floor',
      description: 'Home provisioning: region CPU per flow ÷ primitive floor',
      value: cpuRatio(m.scenarios.provisioningHome, m.baselines.primitiveFloorHome),
      unit: 'multiple',
      comparison: '<=',
      limit: 2,
    }),
    target({
      id: 'provisioning-redirected-cpu-vs-primitive-floor',
      description:
        'Provisioning, redirected card: CPU per flow of both regions ÷ its primitive floor',
      value: cpuRatio(m.scenarios.provisioningRedirected, m.baselines.primitiveFloorRedirected),
      unit: 'multiple',
      comparison: '<=',
      limit: 2,
    }),
    target({
      id: 'authorization-cpu-vs-primitive-floor',
      description: 'Authorization: region CPU per request ÷ primitive floor',
      value: cpuRatio(m.scenarios.authorizationRegion, m.baselines.primitiveFloorAuthorization),
      unit: 'multiple',
      comparison: '<=',
      limit: 2,
    }),
    target({
      id: 'provisioning-redirected-vs-home',
      description: 'Provisioning, redirected card: flows/s ÷ home-card flows/s',
      value: throughputRatio(m.scenarios.provisioningRedirected, m.scenarios.provisioningHome),
      unit: 'ratio',
      comparison: '>=',
      limit: 0.85,
    }),
    target({
      id: 'authorization-vs-signed-commit-ceiling',
      description: 'Authorization at the region: requests/s ÷ signed-commit ceiling',
      value: throughputRatio(m.scenarios.authorizationRegion, m.baselines.signedCommitCeiling),
      unit: 'ratio',
      comparison: '>=',
      limit: 0.5,
    }),
    target({
      id: 'authorization-router-vs-direct',
      description: 'Authorization via the router: requests/s ÷ direct to the region',
      value: throughputRatio(m.scenarios.authorizationRouter, m.scenarios.authorizationRegion),
      unit: 'ratio',
      comparison: '>=',
      limit: 0.8,
    }),
    target({
      id: 'authorization-p99-at-70',
      description: 'Authorization p99 at 70% of the maximum throughput',
      value: isFigure(at70) ? at70.p99Ms.median : null,
      unit: 'ms',
      comparison: '<=',
      limit: 20,
    }),
    target({
      id: 'scale-provisioning-drop',
      description: `Provisioning throughput drop, ${m.scale.small.seededTokens} → ${m.scale.large.seededTokens} tokens`,
      value: drop(m.scale.small.provisioning, m.scale.large.provisioning),
      unit: 'ratio',
      comparison: '<=',
      limit: 0.2,
    }),
    target({
      id: 'scale-authorization-drop',
      description: `Authorization throughput drop, ${m.scale.small.seededTokens} → ${m.scale.large.seededTokens} tokens`,
      value: drop(m.scale.small.authorization, m.scale.large.authorization),
      unit: 'ratio',
      comparison: '<=',
      limit: 0.2,
    }),
    target({
      id: 'scale-peak-rss',
      description: `Region process peak resident memory with ${m.scale.large.seededTokens} tokens`,
      value: m.scale.large.peakRssMb,
      unit: 'MiB',
      comparison: '<',
      limit: 300,
    }),
  ];
}
