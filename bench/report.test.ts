import { describe, expect, it } from 'vitest';
import {
  evaluateTargets,
  figureOf,
  throughputRatio,
  type BenchReport,
  type Figure,
} from './report.js';

function figure(throughput: number, p99 = 10, cpu: Record<string, number> = {}): Figure {
  const plain = roundsFigure([throughput], p99);
  return { ...plain, cpuMsPerOperation: { ...plain.cpuMsPerOperation, ...cpu } };
}

function roundsFigure(throughputs: readonly number[], p99 = 10, series?: string): Figure {
  const rounds = throughputs.map((throughput) => ({
    operations: 10,
    errors: 0,
    seconds: 1,
    throughput,
    latencyMs: { p50: 1, p90: 5, p99, max: p99 },
  }));
  return figureOf(
    { rounds, errors: 0, prepareSeconds: 0, cpuMsPerOperation: 1 },
    'ops/s',
    { concurrency: 1 },
    { 'load generator': 1 },
    series,
  );
}

function measured(
  o: {
    home?: number;
    large?: number;
    rss?: number | null;
    auth?: boolean;
    homeCpu?: number;
  } = {},
): Pick<BenchReport, 'baselines' | 'scenarios' | 'scale'> {
  const auth =
    o.auth === false ? { unmeasured: 'no network' } : figure(400, 10, { 'region us': 0.5 });
  return {
    baselines: {
      cryptoFloorHome: figure(200),
      cryptoFloorRedirected: figure(150),
      httpCeiling: figure(1000),
      signedCommitCeiling: figure(800),
      primitiveFloorHome: figure(500, 10, { 'load generator': 2 }),
      primitiveFloorRedirected: figure(400, 10, { 'load generator': 2.5 }),
      primitiveFloorAuthorization: figure(5000, 10, { 'load generator': 0.2 }),
    },
    scenarios: {
      provisioningHome: figure(o.home ?? 100, 10, { 'region us': o.homeCpu ?? 4 }),
      provisioningRedirected: figure(90, 10, { 'region us': 1, 'region cn': 5 }),
      authorizationRegion: auth,
      authorizationRouter: o.auth === false ? auth : figure(300),
      authorizationAt70: o.auth === false ? auth : figure(280, 25),
    },
    scale: {
      small: {
        seededTokens: 1_000,
        seedSeconds: 1,
        provisioning: figure(100),
        authorization: auth,
        peakRssMb: 150,
      },
      large: {
        seededTokens: 1_000_000,
        seedSeconds: 100,
        provisioning: figure(o.large ?? 85),
        authorization: auth,
        peakRssMb: o.rss === undefined ? 250 : o.rss,
      },
    },
  };
}

describe('targets', () => {
  it('judges each ratio and limit of the issue', () => {
    const byId = Object.fromEntries(evaluateTargets(measured()).map((t) => [t.id, t]));
    expect(byId['provisioning-home-cpu-vs-primitive-floor']).toMatchObject({
      value: 2,
      met: true,
    });
    // Both regions' CPU counts for a redirected flow: (1 + 5) ÷ 2.5.
    expect(byId['provisioning-redirected-cpu-vs-primitive-floor']).toMatchObject({
      value: 2.4,
      met: false,
    });
    expect(byId['authorization-cpu-vs-primitive-floor']).toMatchObject({ value: 2.5, met: false });
    expect(byId['authorization-router-vs-direct']).toMatchObject({ value: 0.75, met: false });
    expect(byId['provisioning-redirected-vs-home']).toMatchObject({ value: 0.9, met: true });
    expect(byId['authorization-vs-signed-commit-ceiling']).toMatchObject({ value: 0.5, met: true });
    expect(byId['authorization-p99-at-70']).toMatchObject({ value: 25, met: false });
    expect(byId['scale-provisioning-drop']).toMatchObject({ value: 0.15, met: true });
    expect(byId['scale-authorization-drop']).toMatchObject({ value: 0, met: true });
    expect(byId['scale-peak-rss']).toMatchObject({ value: 250, met: true });
  });

  it('misses a target just past its limit, and judges nothing it has no figure for', () => {
    const byId = Object.fromEntries(
      evaluateTargets(measured({ home: 99, large: 79, rss: 300, auth: false, homeCpu: 4.02 })).map(
        (t) => [t.id, t],
      ),
    );
    expect(byId['provisioning-home-cpu-vs-primitive-floor']?.met).toBe(false);
    expect(byId['authorization-cpu-vs-primitive-floor']).toMatchObject({ value: null, met: null });
    expect(byId['scale-provisioning-drop']?.met).toBe(false);
    expect(byId['scale-peak-rss']?.met).toBe(false);
    expect(byId['authorization-vs-signed-commit-ceiling']).toMatchObject({
      value: null,
      met: null,
    });
    expect(byId['authorization-p99-at-70']).toMatchObject({ value: null, met: null });
  });

  it('compares figures of one series round by round, and others by their medians', () => {
    // The machine slowed down between rounds: each round of b ran beside the round of a it pairs with.
    const a = roundsFigure([90, 45, 60], 10, 'a | b');
    const b = roundsFigure([100, 50, 80], 10, 'a | b');
    expect(throughputRatio(a, b)).toBe(0.9);
    expect(throughputRatio(roundsFigure([90, 45, 60]), roundsFigure([100, 50, 80]))).toBe(0.75);
    expect(throughputRatio(a, { unmeasured: 'no network' })).toBeNull();
  });

  it('takes the scale drops round by round when the two points ran side by side', () => {
    const m = measured();
    const series = 'provisioning, 1000 tokens | provisioning, 1000000 tokens';
    const byId = Object.fromEntries(
      evaluateTargets({
        ...m,
        scale: {
          small: { ...m.scale.small, provisioning: roundsFigure([100, 50, 80], 10, series) },
          large: { ...m.scale.large, provisioning: roundsFigure([90, 45, 60], 10, series) },
        },
      }).map((t) => [t.id, t]),
    );
    // Medians apart would say 25% (60 ÷ 80); each round beside its pair says 10%, 10% and 25%.
    expect(byId['scale-provisioning-drop']).toMatchObject({ value: 0.1, met: true });
  });
});
