/** Capped exponential backoff with "equal jitter". */
export interface RetryDelayPolicy {
  /** Delay after the first failure. */
  readonly baseMs: number;
  /** No delay is longer. */
  readonly maxMs: number;
}

/**
 * How long to wait after the `failures`-th failed attempt: base · 2^(failures−1), capped, of which
 * the second half is random, so many deliveries that failed together (an issuer outage) do not
 * all come back at the same instant. `random` is in [0, 1).
 */
export function retryDelayMs(failures: number, policy: RetryDelayPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(capped / 2 + random() * (capped / 2));
}
