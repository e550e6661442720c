/** The median of several rounds, with the spread the rounds showed. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Latency of one round, in milliseconds, from every recorded sample (never from averages). */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The value below which `q` (0..1) of the samples fall, nearest-rank on sorted samples: a
 * recorded latency, never an interpolation between two.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** p50, p90, p99 and max of a round's samples. */
export function summarizeLatency(samples: readonly number[] | Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(percentile(sorted, 1)),
  };
}

/** Median, min and max of per-round figures (an even count takes the mean of the middle two). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] ?? Number.NaN)
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return {
    median: round(median),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** Three significant decimals at most: figures, not noise. */
export function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
