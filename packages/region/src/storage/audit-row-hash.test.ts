import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditRowHash, auditRowJsonAroundSeq } from './audit-row-hash.js';

const PREV = 'ab'.repeat(32);

/** The hash as a database computes it from the cut JSON: sha256(prev bytes ‖ before seq after). */
function hashAroundSeq(prevHash: string, json: { before: string; after: string }, seq: number) {
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(`${json.before}${String(seq)}${json.after}`, 'utf8')
    .digest('hex');
}

describe('auditRowJsonAroundSeq', () => {
  const rows = [
    { at: '2030-01-01T00:00:00.000Z', actor: 'system', action: 'a', subject: 's', detail: {} },
    {
      at: '2030-01-01T00:00:01.000Z',
      actor: 'device:d1',
      action: 'credential.tokenized',
      subject: 'tok "1"\\ ü 😀',
      detail: { z: [1, null, true], a: { seq: 0, subject: 'x' }, note: 'café\n\u2028' },
    },
  ];

  it('cuts the canonical JSON so that the hash over before, seq, after is the row hash', () => {
    for (const row of rows)
      for (const seq of [1, 42, 1_000_000_007]) {
        const cut = auditRowJsonAroundSeq(row);
        expect(hashAroundSeq(PREV, cut, seq)).toBe(auditRowHash(PREV, { ...row, seq }));
      }
  });

  it('changes with every member', () => {
    const [, row] = rows;
    if (row === undefined) throw new Error('no row');
    const cut = auditRowJsonAroundSeq(row);
    for (const changed of [
      { ...row, at: '2030-01-01T00:00:02.000Z' },
      { ...row, actor: 'device:d2' },
      { ...row, action: 'credential.suspend' },
      { ...row, subject: 'tok_2' },
      { ...row, detail: { ...row.detail, note: 'cafe' } },
    ])
      expect(auditRowJsonAroundSeq(changed)).not.toEqual(cut);
  });
});
