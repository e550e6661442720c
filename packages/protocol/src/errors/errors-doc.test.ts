import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| ([^|]+) \| ([^|]+) \|$/gm)].map(
  (m) => ({
    code: m[1] ?? '',
    status: Number(m[2]),
    meaning: (m[3] ?? '').replace(' *(device)*', '').trim(),
    action: (m[4] ?? '').trim(),
  }),
);

describe('docs/errors.md', () => {
  it('lists every code of the table, once, with its status and message', () => {
    const documented = rows.map((r) => r.code);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const row of rows) {
      const entry = ERROR_CODES[row.code as keyof typeof ERROR_CODES];
      expect({ code: row.code, status: row.status, meaning: row.meaning }).toEqual({
        code: row.code,
        status: entry.status,
        meaning: entry.message,
      });
    }
  });

  it('tells the reader what to do for every code', () => {
    for (const row of rows) expect(row.action.length, row.code).toBeGreaterThan(10);
  });

  it('never answers 421, which HTTP clients resend by themselves', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES))
      expect(status, code).not.toBe(421);
  });

  it('keeps messages free of anything that looks like a card number or a key', () => {
    for (const { message } of Object.values(ERROR_CODES))
      expect(message).not.toMatch(/\d{4,}|[A-Za-z0-9_-]{40,}/);
  });
});
