import { describe, expect, it } from 'vitest';
import {
  evaluateTargets,
  figureOf,
  throughputRatio,
  type BenchReport,
  type Figure,
} from './report.js';

function figure(throughput: number, p99 = 10): Figure {
  return roundsFigure([throughput], p99);
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
  o: { home?: number; large?: number; rss?: number | null; auth?: boolean } = {},
): Pick<BenchReport, 'baselines' | 'scenarios' | 'scale'> {
  const auth = o.auth === false ? { unmeasured: 'no network' } : figure(400);
  return {
    baselines: {
      cryptoFloorHome: figure(200),
      cryptoFloorRedirected: figure(150),
      httpCeiling: figure(1000),
    },
    scenarios: {
      provisioningHome: figure(o.home ?? 100),
      provisioningRedirected: figure(90),
      authorizationRegion: auth,
      authorizationRouter: auth,
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
    expect(byId['provisioning-home-vs-crypto-floor']).toMatchObject({ value: 0.5, met: true });
    expect(byId['provisioning-redirected-vs-home']).toMatchObject({ value: 0.9, met: true });
    expect(byId['authorization-vs-http-ceiling']).toMatchObject({ value: 0.4, met: true });
    expect(byId['authorization-p99-at-70']).toMatchObject({ value: 25, met: false });
    expect(byId['scale-provisioning-drop']).toMatchObject({ value: 0.15, met: true });
    expect(byId['scale-authorization-drop']).toMatchObject({ value: 0, met: true });
    expect(byId['scale-peak-rss']).toMatchObject({ value: 250, met: true });
  });

  it('misses a target just past its limit, and judges nothing it has no figure for', () => {
    const byId = Object.fromEntries(
      evaluateTargets(measured({ home: 99, large: 79, rss: 300, auth: false })).map((t) => [
        t.id,
        t,
      ]),
    );
    expect(byId['provisioning-home-vs-crypto-floor']?.met).toBe(false);
    expect(byId['scale-provisioning-drop']?.met).toBe(false);
    expect(byId['scale-peak-rss']?.met).toBe(false);
    expect(byId['authorization-vs-http-ceiling']).toMatchObject({ value: null, met: null });
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
});
