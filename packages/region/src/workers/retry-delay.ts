/** Capped exponential backoff: the wait after each failed attempt of a durable delivery. */
export interface RetryDelayPolicy {
  /** Delay after the first failure. */
  readonly baseMs: number;
  /** No delay is longer. */
  readonly maxMs: number;
}

/** The wait after the `failures`-th failed attempt: base · 2^(failures−1), capped at `maxMs`. */
export function backoffMs(failures: number, policy: RetryDelayPolicy): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/**
 * {@link backoffMs} with "equal jitter": the second half of the wait is random, so many
 * deliveries that failed together (an issuer outage) do not all come back at the same instant.
 * `random` is in [0, 1).
 */
export function retryDelayMs(
  failures: number,
  policy: RetryDelayPolicy,
  random: () => number = Math.random,
): number {
  const capped = backoffMs(failures, policy);
  return Math.round(capped / 2 + random() * (capped / 2));
}
