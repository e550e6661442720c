import { describe, expect, it } from 'vitest';
import { childSpan, formatTraceparent, newTrace, parseTraceparent } from './trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('reads the example of the specification and writes it back', () => {
    const header = `00-${TRACE}-${PARENT}-01`;
    const context = parseTraceparent(header);
    expect(context).toEqual({ traceId: TRACE, parentId: PARENT, flags: '01' });
    expect(formatTraceparent(context ?? newTrace())).toBe(header);
  });

  it('refuses what a receiver must not trust', () => {
    for (const header of [
      undefined,
      '',
      `ff-${TRACE}-${PARENT}-01`,
      `00-${'0'.repeat(32)}-${PARENT}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      `00-${TRACE}-${PARENT}-01-extra`,
      `00-${TRACE.slice(1)}-${PARENT}-01`,
      'req-1',
    ])
      expect(parseTraceparent(header), String(header)).toBeUndefined();
    // A later version may carry more fields: its first four are read.
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-00-more`)?.traceId).toBe(TRACE);
  });

  it('keeps the trace and changes the span of a call made inside it', () => {
    const trace = newTrace();
    expect(parseTraceparent(formatTraceparent(trace))).toEqual(trace);
    const child = childSpan(trace);
    expect(child.traceId).toBe(trace.traceId);
    expect(child.parentId).not.toBe(trace.parentId);
    expect(newTrace().traceId).not.toBe(trace.traceId);
  });

  it('draws ids that are well formed and never repeat, across refills of the random pool', () => {
    // 24 random bytes a trace: 1,000 traces refill the 4 KiB pool several times.
    const traces = Array.from({ length: 1000 }, () => newTrace());
    for (const trace of traces) expect(parseTraceparent(formatTraceparent(trace))).toEqual(trace);
    expect(new Set(traces.map((t) => t.traceId)).size).toBe(1000);
    expect(new Set(traces.map((t) => t.parentId)).size).toBe(1000);
  });

  it('never draws an id a log redactor would take for a card number', () => {
    // About 4% of random 32-digit hex ids hold 13 decimal digits in a row: 2,000 traces would
    // hold dozens without the redraw.
    for (let i = 0; i < 2000; i++) {
      const { traceId, parentId } = newTrace();
      expect(`${traceId} ${parentId}`).not.toMatch(/\d{13}/);
    }
  });
});
