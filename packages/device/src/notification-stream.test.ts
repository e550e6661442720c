import { describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import { followRegionNotifications } from './notification-stream.js';
import { RegionClient } from './region-client.js';

const signer = { dpopProof: () => Promise.resolve('proof') };

function frame(id: number): string {
  const n: api.Notification = {
    id,
    createdAt: '2026-01-01T00:00:00Z',
    data: { type: 'credential.activated', tokenRef: `tok_${String(id).padStart(8, '0')}` },
  };
  return `id: ${id}\nevent: ${n.data.type}\ndata: ${JSON.stringify(n)}\n\n`;
}

/** A stream endpoint that replays everything (ignoring Last-Event-ID) and drops after `upTo`. */
function flakyStream(connections: (string | null)[], bodies: string[][]) {
  return (_url: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    connections.push(new Headers(init.headers).get('last-event-id'));
    const chunks = bodies.shift() ?? [];
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(encoder.encode(c));
        if (bodies.length > 0) controller.close();
        else
          init.signal?.addEventListener('abort', () => controller.error(init.signal?.reason), {
            once: true,
          });
      },
    });
    return Promise.resolve(
      new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    );
  };
}

describe('followRegionNotifications', () => {
  it('reconnects after a drop with Last-Event-ID and skips what it already handled', async () => {
    const connections: (string | null)[] = [];
    const fetch = flakyStream(connections, [
      [': hi\n\n', frame(1), frame(2).slice(0, 30)],
      [frame(1), frame(2), frame(3)],
    ]);
    const client = new RegionClient({ region: 'us', baseUrl: 'https://us.test', signer, fetch });
    const seen: number[] = [];
    const stop = new AbortController();
    await followRegionNotifications({
      client,
      after: 0,
      signal: stop.signal,
      reconnectDelayMs: 1,
      onNotification: (n) => {
        seen.push(n.id);
        if (n.id === 3) stop.abort();
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(connections).toEqual(['0', '1']);
  });

  it('ends with the error when the handler fails, without reconnecting', async () => {
    const connections: (string | null)[] = [];
    const client = new RegionClient({
      region: 'us',
      baseUrl: 'https://us.test',
      signer,
      fetch: flakyStream(connections, [[frame(1)]]),
    });
    const run = followRegionNotifications({
      client,
      after: 0,
      signal: new AbortController().signal,
      onNotification: () => Promise.reject(new Error('disk full')),
    });
    await expect(run).rejects.toThrow('disk full');
    expect(connections).toHaveLength(1);
  });

  it("ends with a region's refusal", async () => {
    const fetch = (): Promise<Response> =>
      Promise.resolve(
        new Response(JSON.stringify({ error: { code: 'DEVICE_UNKNOWN', message: 'x' } }), {
          status: 401,
        }),
      );
    const client = new RegionClient({ region: 'us', baseUrl: 'https://us.test', signer, fetch });
    await expect(
      followRegionNotifications({
        client,
        after: 0,
        signal: new AbortController().signal,
        onNotification: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'DEVICE_UNKNOWN' });
  });

  it('ends with PEER_MALFORMED on an event that is not JSON or not a notification', async () => {
    const follow = (data: string): Promise<void> =>
      followRegionNotifications({
        client: new RegionClient({
          region: 'us',
          baseUrl: 'https://us.test',
          signer,
          fetch: flakyStream([], [[`id: 1\ndata: ${data}\n\n`]]),
        }),
        after: 0,
        signal: new AbortController().signal,
        reconnectDelayMs: 1,
        onNotification: () => undefined,
      });
    await expect(follow('{not json')).rejects.toMatchObject({
      code: 'PEER_MALFORMED',
      details: { peer: 'region', region: 'us', what: 'not-json' },
    });
    await expect(follow('{"id":1,"data":{"type":"credential.activated"}}')).rejects.toMatchObject({
      code: 'PEER_MALFORMED',
      details: { peer: 'region', region: 'us', what: 'schema' },
    });
  });
});
