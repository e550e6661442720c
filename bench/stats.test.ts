import { describe, expect, it } from 'vitest';
import { percentile, spread, summarizeLatency } from './stats.js';

describe('latency and round statistics', () => {
  it('takes percentiles by nearest rank on recorded samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarizeLatency(samples)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentile([], 0.5)).toBeNaN();
    expect(summarizeLatency([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7 });
  });

  it('reports the median of the rounds with their min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });
});
