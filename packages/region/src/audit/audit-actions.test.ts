import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, isAuditAction } from './audit-actions.js';

const doc = readFileSync(new URL('../../../../docs/audit.md', import.meta.url), 'utf8');
const section = /<!-- audit-actions:start -->\n([\s\S]*?)\n<!-- audit-actions:end -->/.exec(
  doc,
)?.[1];
const rows = [...(section ?? '').matchAll(/^\| `([a-z_.]+)` \| (.+) \|$/gm)].map((m) => [
  m[1] ?? '',
  m[2] ?? '',
]);

describe('AUDIT_ACTIONS', () => {
  it('is the table of docs/audit.md, in the same order, with the same meanings', () => {
    expect(rows).toEqual(Object.entries(AUDIT_ACTIONS));
  });

  it('names each action noun.verb, and knows its own names only', () => {
    for (const name of Object.keys(AUDIT_ACTIONS)) {
      expect(name).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
      expect(isAuditAction(name)).toBe(true);
    }
    expect(isAuditAction('toString')).toBe(false);
    expect(isAuditAction('credential.stolen')).toBe(false);
  });
});
