import { describe, expect, it } from 'vitest';
import { newId } from './new-id.js';

describe('ids', () => {
  it('are 128 bits in base64url, never repeated across refills of the pool', () => {
    // 1,000 ids draw the pool of 256 dry several times over.
    const ids = Array.from({ length: 1000 }, () => newId());
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('spread their bits: every bit position is set in some ids and clear in others', () => {
    // A pool handed out unfilled (zeros) or twice over would fail this or the test above.
    const ids = Array.from({ length: 600 }, () => Buffer.from(newId(), 'base64url'));
    for (let bit = 0; bit < 128; bit++) {
      const set = ids.filter((id) => ((id[bit >> 3] ?? 0) >> (bit & 7)) & 1).length;
      expect(set, `bit ${bit}`).toBeGreaterThan(200);
      expect(set, `bit ${bit}`).toBeLessThan(400);
    }
  });
});
