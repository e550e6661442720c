import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FRESHNESS, RETENTION_MARGIN_SECONDS } from './freshness.js';

const doc = readFileSync(new URL('../../../../docs/request-freshness.md', import.meta.url), 'utf8');
const rows = new Map(
  [
    ...doc.matchAll(/^\| [^|]+ \| `(\w+)` \| (\d+) s[^|]* \| (\d+) s \| ([^|]+) \| [^|]+ \|$/gm),
  ].map((m) => [
    m[1] ?? '',
    { maxAge: Number(m[2]), skew: Number(m[3]), kept: (m[4] ?? '').trim() },
  ]),
);

describe('docs/request-freshness.md', () => {
  it('has one row per freshness policy, with its max age, clock skew and retention', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(FRESHNESS).sort());
    for (const [name, policy] of Object.entries(FRESHNESS)) {
      const row = rows.get(name);
      expect(row?.maxAge, name).toBe(policy.maxAgeSeconds);
      expect(row?.skew, name).toBe(policy.clockSkewSeconds);
      expect(
        [
          `\`iat\` + ${policy.maxAgeSeconds + 1 + RETENTION_MARGIN_SECONDS} s`,
          `\`exp\` + ${RETENTION_MARGIN_SECONDS} s`,
        ],
        name,
      ).toContain(row?.kept);
    }
  });
});
