import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdOf } from './new-request-id.js';

describe('request ids', () => {
  it('are UUIDv7: version 7, the RFC variant, sorted by time, never repeated', () => {
    const first = newRequestId(1_700_000_000_000);
    const later = newRequestId(1_700_000_000_001);
    expect(first).toMatch(/^018bcfe5-6800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first < later).toBe(true);
    const many = new Set(Array.from({ length: 1000 }, () => newRequestId(0)));
    expect(many.size).toBe(1000);
  });

  it("keep a caller's x-request-id only when it is a plain token", () => {
    expect(requestIdOf('lb-7f3a9c2e-01')).toBe('lb-7f3a9c2e-01');
    for (const given of [
      undefined,
      ['lb-7f3a9c2e-01', 'lb-7f3a9c2e-02'],
      'short',
      'x'.repeat(65),
      'has space here',
      'evil\n{"level":60}',
      '-leading-dash',
    ])
      expect(requestIdOf(given), JSON.stringify(given)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });
});
