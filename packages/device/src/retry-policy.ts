import { sleep } from './sleep.js';

/**
 * How the device repeats a request a region could not answer yet: capped exponential backoff
 * with jitter, never sooner than the region's `Retry-After`, within a total budget.
 */
export interface RetryPolicy {
  /** Most attempts of one request, the first included; by default the budget alone decides. */
  readonly attempts: number;
  /** The wait after the first failure; it doubles with each failure after that. */
  readonly baseDelayMs: number;
  /** No backoff is longer (a region's `Retry-After` may be). */
  readonly maxDelayMs: number;
  /** One attempt's limit, to the response headers. */
  readonly timeoutMs: number;
  /**
   * The time one request may take, its attempts and waits together, before the last failure is
   * reported: no wait that would end past it is begun. At least a region's restart and a crashed
   * node's lease (10 s) by default.
   */
  readonly budgetMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  timeoutMs: 15_000,
  budgetMs: 60_000,
};

/** The time source of the retries, injectable so that tests never wait on the wall clock. */
export interface RetryClock {
  /** Milliseconds since the epoch (an HTTP-date `Retry-After` is read against it). */
  readonly now: () => number;
  /** Waits `ms`, or rejects with the signal's reason when it aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1): the jitter. */
  readonly random: () => number;
}

export const SYSTEM_RETRY_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal),
  random: () => Math.random(),
};

/**
 * The wait before the attempt after the `failures`-th failure: base · 2^(failures−1), capped,
 * with "equal jitter" (the second half random) so that devices cut off together by one crash do
 * not all come back at the same instant; never shorter than `retryAfterMs`.
 */
export function retryDelayMs(
  failures: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs = 0,
): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures - 1, 30));
  return Math.max(retryAfterMs, Math.round(capped / 2 + random() * (capped / 2)));
}

/**
 * A `Retry-After` header in milliseconds from `nowMs`: delay-seconds or an HTTP-date (RFC 9110
 * §10.2.3); undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
