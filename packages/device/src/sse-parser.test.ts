import { describe, expect, it } from 'vitest';
import { SseParser, type SseItem } from './sse-parser.js';

function feed(chunks: readonly (string | Uint8Array)[]): SseItem[] {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
}

function events(items: readonly SseItem[]): { type: string; data: string; lastEventId: string }[] {
  return items.flatMap((i) => (i.kind === 'event' ? [{ ...i.event }] : []));
}

const STREAM =
  'id: 7\nevent: credential.provisioned\ndata: {"id":7}\n\n: heartbeat\n\nid: 8\nevent: tsm.script.ready\ndata: {"id":8}\n\n';

describe('SseParser', () => {
  it('parses ids, event types, data and comments', () => {
    const items = feed([STREAM]);
    expect(events(items)).toEqual([
      { type: 'credential.provisioned', data: '{"id":7}', lastEventId: '7' },
      { type: 'tsm.script.ready', data: '{"id":8}', lastEventId: '8' },
    ]);
    expect(items.filter((i) => i.kind === 'comment')).toEqual([
      { kind: 'comment', text: 'heartbeat' },
    ]);
  });

  it('gives the same events whatever the chunk boundaries', () => {
    const whole = events(feed([STREAM]));
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
      expect(events(feed(chunks))).toEqual(whole);
    }
  });

  it('decodes UTF-8 split inside a character, and drops a leading BOM', () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: caf\u00e9 \u20ac\n\n');
    const items = feed([...bytes].map((b) => Uint8Array.of(b)));
    expect(events(items)).toEqual([{ type: 'message', data: 'caf\u00e9 \u20ac', lastEventId: '' }]);
  });

  it('joins multi-line data with LF and removes only the last one', () => {
    expect(events(feed(['data: first\ndata:second\ndata\ndata:  indented\n\n']))).toEqual([
      { type: 'message', data: 'first\nsecond\n\n indented', lastEventId: '' },
    ]);
  });

  it('accepts CRLF, CR and LF line ends, a CRLF split across chunks included', () => {
    expect(events(feed(['id: 1\r', '\ndata: a\r\r', 'id: 2\rdata: b\r\n', '\r\n']))).toEqual([
      { type: 'message', data: 'a', lastEventId: '1' },
      { type: 'message', data: 'b', lastEventId: '2' },
    ]);
  });

  it('keeps the last event id for later events and ignores ids with NUL', () => {
    expect(events(feed(['id: 5\ndata: a\n\ndata: b\n\nid: 6\u0000\ndata: c\n\n']))).toEqual([
      { type: 'message', data: 'a', lastEventId: '5' },
      { type: 'message', data: 'b', lastEventId: '5' },
      { type: 'message', data: 'c', lastEventId: '5' },
    ]);
  });

  it('records an id even on an event without data, and dispatches nothing for it', () => {
    const parser = new SseParser();
    expect(events(parser.push('id: 9\nevent: ping\n\n'))).toEqual([]);
    expect(parser.lastEventId).toBe('9');
    expect(events(parser.push('data: x\n\n'))).toEqual([
      { type: 'message', data: 'x', lastEventId: '9' },
    ]);
  });

  it('reports retry only when it is all digits and ignores unknown fields', () => {
    const items = feed(['retry: 1500\nretry: soon\nfoo: bar\n:\n\n']);
    expect(items).toEqual([
      { kind: 'retry', ms: 1500 },
      { kind: 'comment', text: '' },
    ]);
  });

  it('discards an event the stream ended in the middle of', () => {
    const parser = new SseParser();
    expect(events(parser.push('id: 3\ndata: complete\n\nid: 4\ndata: partial\n'))).toHaveLength(1);
    parser.end();
    expect(parser.lastEventId).toBe('3');
    expect(events(parser.push('data: next\n\n'))).toEqual([
      { type: 'message', data: 'next', lastEventId: '3' },
    ]);
  });
});
