import { DomicileError } from '@domicile/protocol';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How long a region keeps the rows it keeps only for a while (`storage/expired-rows.ts`). */
export interface RetentionPolicy {
  /** An idempotency key, from its last change (its reservation, or its answer's record). */
  readonly idempotencyKeysMs: number;
  /** A duplicate-transmission record (`payments/authorization-requests.ts`), from its creation. */
  readonly authorizationRequestsMs: number;
}

/**
 * - Idempotency keys a day: the device SDK gives up on a request after 60 s
 *   (`packages/device/src/retry-policy.ts` `budgetMs`), an app that keeps its own key across a
 *   restart retries within hours, and a day is what payment APIs promise.
 * - Duplicate-transmission records a week. An acquirer that got no answer repeats the request
 *   (ISO 8583 repeat messages, 0101/0201) within seconds or minutes, but one that queued it in
 *   store-and-forward through an outage of its own or of its network resends when it is back:
 *   hours, over a weekend days. Card networks give acquirers days to follow an authorization
 *   with its reversal or advice; a week covers that, at one small row per authorization. What
 *   comes later is answered as a new request, whose spent ATC is declined `atc_replayed`: the
 *   decision is no longer learned, but nothing is ever approved twice.
 */
export const DEFAULT_RETENTION: RetentionPolicy = {
  idempotencyKeysMs: DAY_MS,
  authorizationRequestsMs: 7 * DAY_MS,
};

/**
 * What an operator may choose. An idempotency key kept less than an hour would let a retry the
 * app still makes run its request twice; a duplicate-transmission record kept less than a day
 * would miss an acquirer's resend after an overnight outage. The upper bounds only catch typos.
 */
export const RETENTION_LIMITS: {
  readonly [K in keyof RetentionPolicy]: readonly [number, number];
} = {
  idempotencyKeysMs: [HOUR_MS, 30 * DAY_MS],
  authorizationRequestsMs: [DAY_MS, 90 * DAY_MS],
};

/**
 * The defaults with what `config` sets, checked.
 * @throws DomicileError `CONFIG_INVALID` naming the field (`details.field`) and its range.
 */
export function retentionPolicy(config: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION, ...config };
  for (const field of Object.keys(RETENTION_LIMITS) as (keyof RetentionPolicy)[]) {
    const [min, max] = RETENTION_LIMITS[field];
    const value = policy[field];
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new DomicileError('CONFIG_INVALID', {
        details: {
          field: `retention.${field}`,
          reason: `expected an integer number of milliseconds from ${min} to ${max}`,
        },
      });
  }
  return policy;
}
