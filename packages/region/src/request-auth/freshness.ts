import { api } from '@domicile/protocol';

/**
 * When a signed request is fresh enough to act on (docs/request-freshness.md). A request is
 * refused once it is older than `maxAgeSeconds` (by its `iat`), when its `iat` is more than
 * `clockSkewSeconds` ahead of our clock, and, when it carries an `exp`, from `exp` on or when
 * `exp - iat` exceeds `maxAgeSeconds` (a signer may not grant itself a longer life).
 */
export interface FreshnessPolicy {
  readonly maxAgeSeconds: number;
  readonly clockSkewSeconds: number;
}

/** The time claims a freshness check reads (seconds since the epoch, as JWT NumericDate). */
export interface TimeClaims {
  readonly iat: number;
  readonly exp?: number;
}

/** Why a request failed its time check. */
export type StaleReason = 'expired' | 'future' | 'lifetime';

/**
 * How long a single-use id is kept past the instant its request's time check would refuse a
 * replay by itself. Every node of a region purges by its own clock: a node whose clock runs
 * ahead of another's by less than this never forgets an id the other would still accept.
 */
export const RETENTION_MARGIN_SECONDS = 60;

/** Device proofs: RFC 9449 §11.1 asks for a short window; a device signs each one as it sends it. */
const DPOP_WINDOW_SECONDS = 60;
/** Servers that sign a request and send it at once: only clock skew separates `iat` from now. */
const SERVER_CLOCK_SKEW_SECONDS = 60;

/** The freshness policy of each kind of signed request the region accepts. */
export const FRESHNESS = {
  dpopProof: { maxAgeSeconds: DPOP_WINDOW_SECONDS, clockSkewSeconds: DPOP_WINDOW_SECONDS },
  networkAuthorization: {
    maxAgeSeconds: api.AUTHORIZATION_MAX_SKEW_SECONDS,
    clockSkewSeconds: api.AUTHORIZATION_MAX_SKEW_SECONDS,
  },
  issuerRequest: {
    maxAgeSeconds: api.ISSUER_API_MAX_AGE_SECONDS,
    clockSkewSeconds: api.ISSUER_API_MAX_AGE_SECONDS,
  },
  regionRequest: {
    maxAgeSeconds: api.REGION_REQUEST_MAX_AGE_SECONDS,
    clockSkewSeconds: SERVER_CLOCK_SKEW_SECONDS,
  },
  redirectAssertion: {
    maxAgeSeconds: api.REDIRECT_ASSERTION_MAX_AGE_SECONDS,
    clockSkewSeconds: SERVER_CLOCK_SKEW_SECONDS,
  },
  pushPayload: {
    maxAgeSeconds: api.PUSH_PAYLOAD_MAX_LIFETIME_SECONDS,
    clockSkewSeconds: SERVER_CLOCK_SKEW_SECONDS,
  },
} as const satisfies Record<string, FreshnessPolicy>;

/** The time check of {@link FreshnessPolicy}: undefined when the request is fresh. */
export function staleness(
  policy: FreshnessPolicy,
  claims: TimeClaims,
  nowSeconds: number,
): StaleReason | undefined {
  const { iat, exp } = claims;
  if (exp !== undefined && exp <= nowSeconds) return 'expired';
  if (exp !== undefined && exp - iat > policy.maxAgeSeconds) return 'lifetime';
  if (iat > nowSeconds + policy.clockSkewSeconds) return 'future';
  if (nowSeconds - iat > policy.maxAgeSeconds) return 'expired';
  return undefined;
}

/**
 * Until when a request's single-use id must be kept: from `min(exp, iat + maxAge + 1)` on (the
 * clock is read in whole seconds) {@link staleness} refuses the request by itself, and the
 * margin covers the clocks of the region's other nodes.
 */
export function singleUseRetention(policy: FreshnessPolicy, claims: TimeClaims): Date {
  const refusedFrom = Math.min(claims.exp ?? Infinity, claims.iat + policy.maxAgeSeconds + 1);
  return new Date((refusedFrom + RETENTION_MARGIN_SECONDS) * 1000);
}
