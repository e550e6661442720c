import { describe, expect, it } from 'vitest';
import {
  FRESHNESS,
  RETENTION_MARGIN_SECONDS,
  singleUseRetention,
  staleness,
  type FreshnessPolicy,
} from './freshness.js';

const policy: FreshnessPolicy = { maxAgeSeconds: 300, clockSkewSeconds: 60 };
const NOW = 2_000_000_000;

describe('staleness', () => {
  it('accepts a request from its max age up to the clock skew ahead, and nothing beyond', () => {
    expect(staleness(policy, { iat: NOW - 300 }, NOW)).toBeUndefined();
    expect(staleness(policy, { iat: NOW + 60 }, NOW)).toBeUndefined();
    expect(staleness(policy, { iat: NOW - 301 }, NOW)).toBe('expired');
    expect(staleness(policy, { iat: NOW + 61 }, NOW)).toBe('future');
  });

  it('refuses a request from its exp on, and one that grants itself more than the max age', () => {
    expect(staleness(policy, { iat: NOW - 10, exp: NOW + 1 }, NOW)).toBeUndefined();
    expect(staleness(policy, { iat: NOW - 10, exp: NOW }, NOW)).toBe('expired');
    expect(staleness(policy, { iat: NOW, exp: NOW + 301 }, NOW)).toBe('lifetime');
  });
});

describe('singleUseRetention', () => {
  const until = (claims: { iat: number; exp?: number }): number =>
    singleUseRetention(policy, claims).getTime() / 1000;

  it('keeps an id, past the margin, until the time check alone refuses its request', () => {
    for (const claims of [{ iat: NOW }, { iat: NOW, exp: NOW + 120 }, { iat: NOW + 60 }]) {
      const kept = until(claims) - RETENTION_MARGIN_SECONDS;
      expect(staleness(policy, claims, kept - 1), JSON.stringify(claims)).toBeUndefined();
      expect(staleness(policy, claims, kept), JSON.stringify(claims)).toBeDefined();
    }
  });

  it('is the same formula for every caller: iat + max age + 1, or exp when sooner, plus the margin', () => {
    for (const [name, p] of Object.entries(FRESHNESS)) {
      expect(singleUseRetention(p, { iat: NOW }).getTime() / 1000, name).toBe(
        NOW + p.maxAgeSeconds + 1 + RETENTION_MARGIN_SECONDS,
      );
      expect(singleUseRetention(p, { iat: NOW, exp: NOW + 30 }).getTime() / 1000, name).toBe(
        NOW + 30 + RETENTION_MARGIN_SECONDS,
      );
    }
  });
});
