import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { RegionTransport } from './region-transport.js';
import { DEFAULT_RETRY, type RetryClock, type RetryPolicy } from './retry-policy.js';

interface Seen {
  url: string;
  dpop: string | null;
  key: string | null;
}

function transport(answers: (Response | Error)[], seen: Seen[] = []): RegionTransport {
  let proofs = 0;
  return new RegionTransport({
    region: 'us',
    baseUrl: 'https://us.test/',
    signer: { dpopProof: (htm, htu) => Promise.resolve(`${htm} ${htu} #${++proofs}`) },
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    fetch: (input, init = {}) => {
      const headers = new Headers(init.headers);
      seen.push({
        url: input instanceof Request ? input.url : input.toString(),
        dpop: headers.get('dpop'),
        key: headers.get('idempotency-key'),
      });
      const next = answers.shift() ?? new Error('no more answers');
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  });
}

const SECRET = '4111111111111111';
const hits = new Map<string, number>();

/** A real server on loopback that answers garbage, each path its own kind, echoing a card number. */
async function garbageRegion(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/wrong-shape') res.writeHead(200).end(JSON.stringify({ value: SECRET }));
    else res.writeHead(path === '/teapot' ? 418 : 200).end(`<html>${SECRET}</html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ok = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200 });
const Schema = Type.Object({ value: Type.Integer() });

describe('RegionTransport', () => {
  it('signs every attempt afresh for the URL without its query, and keeps one Idempotency-Key', async () => {
    const seen: Seen[] = [];
    const t = transport(
      [new TypeError('fetch failed'), new Response('', { status: 504 }), ok({ value: 1 })],
      seen,
    );
    await expect(
      t.json({ method: 'POST', path: '/v1/things', query: { a: '1' }, body: {} }, Schema),
    ).resolves.toEqual({ value: 1 });
    expect(seen.map((s) => s.url)).toEqual(Array(3).fill('https://us.test/v1/things?a=1'));
    expect(seen.map((s) => s.dpop)).toEqual(
      [1, 2, 3].map((n) => `POST https://us.test/v1/things #${n}`),
    );
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(seen[0]?.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it("does not retry a region's refusal, and rebuilds its error", async () => {
    const seen: Seen[] = [];
    const refusal = new Response(
      JSON.stringify({
        error: { code: 'IDV_CODE_INVALID', message: 'x', details: { triesLeft: 2 } },
      }),
      { status: 422 },
    );
    await expect(
      transport([refusal], seen).json({ method: 'POST', path: '/v1/x', body: {} }, Schema),
    ).rejects.toMatchObject({ code: 'IDV_CODE_INVALID', details: { triesLeft: 2 } });
    expect(seen).toHaveLength(1);
  });

  it('says SERVICE_UNAVAILABLE once the retries are spent', async () => {
    const t = transport([
      new TypeError('a'),
      new TypeError('b'),
      new Response('', { status: 503 }),
    ]);
    await expect(t.json({ method: 'GET', path: '/v1/x' }, Schema)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });

  it('says PEER_MALFORMED for an answer that is not JSON, not the schema or no Domicile error', async () => {
    const { url, close } = await garbageRegion();
    try {
      const real = new RegionTransport({ region: 'us', baseUrl: url, retry: { attempts: 3 } });
      const get = (path: string): Promise<unknown> =>
        real.json({ method: 'GET', path, authenticated: false }, Schema).catch((e: unknown) => e);
      const answers = [await get('/html'), await get('/wrong-shape'), await get('/teapot')];
      expect(answers).toMatchObject([
        { code: 'PEER_MALFORMED', details: { peer: 'region', region: 'us', what: 'not-json' } },
        { code: 'PEER_MALFORMED', details: { peer: 'region', region: 'us', what: 'schema' } },
        {
          code: 'PEER_MALFORMED',
          details: { peer: 'region', region: 'us', what: 'error-body', status: 418 },
        },
      ]);
      // A malformed answer is not retried, and nothing the peer said reaches the error.
      expect(hits.get('/teapot')).toBe(1);
      for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(SECRET);
    } finally {
      await close();
    }
  });

  it('sends GETs without an Idempotency-Key', async () => {
    const seen: Seen[] = [];
    await transport([ok({ value: 2 })], seen).json({ method: 'GET', path: '/v1/x' }, Schema);
    expect(seen[0]?.key).toBeNull();
  });
});

/** What the loopback region does with one request. */
type Act =
  { readonly status: number; readonly code?: string; readonly retryAfter?: string } | 'drop';

interface Loopback {
  readonly url: string;
  /** The Idempotency-Key of each request received, in order (null for none). */
  readonly keys: (string | null)[];
  close(): Promise<void>;
}

/** A real HTTP server on a loopback port that plays `acts` in order, then answers 200. */
async function loopbackRegion(acts: Act[]): Promise<Loopback> {
  const keys: (string | null)[] = [];
  const server = createServer((req, res) => {
    const key = req.headers['idempotency-key'];
    keys.push(typeof key === 'string' ? key : null);
    req.resume();
    const act = acts.shift() ?? { status: 200 };
    if (act === 'drop') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (act.retryAfter !== undefined) headers['retry-after'] = act.retryAfter;
    res.writeHead(act.status, headers);
    res.end(
      JSON.stringify(
        act.status === 200
          ? { value: keys.length }
          : act.code === undefined
            ? { message: 'not a Domicile body' }
            : { error: { code: act.code, message: 'x' } },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock whose sleeps return at once and move its time on: retries never wait on the wall clock. */
function fakeClock(): RetryClock & { readonly sleeps: number[]; elapsed(): number } {
  const start = Date.UTC(2026, 11, 1, 3, 0, 0);
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    sleeps,
    elapsed: () => t - start,
  };
}

describe('RegionTransport retries, against a loopback region', () => {
  let region: Loopback | undefined;
  afterEach(async () => {
    await region?.close();
    region = undefined;
  });
  const client = async (acts: Act[], clock: RetryClock, retry?: Partial<RetryPolicy>) => {
    region = await loopbackRegion(acts);
    return new RegionTransport({
      region: 'us',
      baseUrl: region.url,
      signer: { dpopProof: () => Promise.resolve('proof') },
      clock,
      ...(retry === undefined ? {} : { retry }),
    });
  };
  const inProgress: Act = { status: 409, code: 'IDEMPOTENCY_IN_PROGRESS', retryAfter: '1' };

  it('repeats a POST after a dropped connection, a 409 in progress and a 503, with one Idempotency-Key', async () => {
    const clock = fakeClock();
    const t = await client(
      ['drop', inProgress, { status: 503, code: 'SERVICE_UNAVAILABLE' }, { status: 503 }],
      clock,
    );
    await expect(t.json({ method: 'POST', path: '/v1/things', body: {} }, Schema)).resolves.toEqual(
      { value: 5 },
    );
    expect(region?.keys).toHaveLength(5);
    expect(new Set(region?.keys).size).toBe(1);
    expect(region?.keys[0]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Capped exponential backoff, half of it jitter (random() is 0.5 here): 0.75 of 200, 400, 800 ms…
    expect(clock.sleeps).toEqual([150, 1_000, 600, 1_200]);
  });

  it('repeats a GET, which carries no key', async () => {
    const clock = fakeClock();
    const t = await client(['drop', { status: 502 }, { status: 504 }], clock);
    await expect(t.json({ method: 'GET', path: '/v1/x' }, Schema)).resolves.toEqual({ value: 4 });
    expect(region?.keys).toEqual([null, null, null, null]);
  });

  it('waits no less than Retry-After, in seconds or as an HTTP-date', async () => {
    const clock = fakeClock();
    const at = new Date(clock.now() + 9_000).toUTCString();
    const t = await client(
      [
        { ...inProgress, retryAfter: '7' },
        { status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: at },
      ],
      clock,
    );
    await t.json({ method: 'POST', path: '/v1/x', body: {} }, Schema);
    // 7 s; then 9 s from the first request's instant, 7 s of which the first wait spent.
    expect(clock.sleeps).toEqual([7_000, 2_000]);
  });

  it("gives up at the budget with the last failure's code", async () => {
    const clock = fakeClock();
    const t = await client(Array<Act>(100).fill(inProgress), clock);
    await expect(t.json({ method: 'POST', path: '/v1/x', body: {} }, Schema)).rejects.toMatchObject(
      { code: 'IDEMPOTENCY_IN_PROGRESS' },
    );
    expect(clock.elapsed()).toBeLessThanOrEqual(DEFAULT_RETRY.budgetMs);
    // Backoff capped at 5 s (3.75 s with this jitter): the budget ends within one more wait.
    expect(clock.elapsed()).toBeGreaterThan(DEFAULT_RETRY.budgetMs - DEFAULT_RETRY.maxDelayMs);
    expect(Math.max(...clock.sleeps)).toBe(0.75 * DEFAULT_RETRY.maxDelayMs);

    const short = fakeClock();
    const dropped = await client(Array<Act>(100).fill('drop'), short, { budgetMs: 10_000 });
    await expect(
      dropped.json({ method: 'POST', path: '/v1/x', body: {} }, Schema),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { reason: 'network' } });
    expect(short.elapsed()).toBeLessThanOrEqual(10_000);
  });

  it('gives up at once when Retry-After would end past the budget', async () => {
    const clock = fakeClock();
    const t = await client([{ ...inProgress, retryAfter: '120' }], clock);
    await expect(t.json({ method: 'POST', path: '/v1/x', body: {} }, Schema)).rejects.toMatchObject(
      { code: 'IDEMPOTENCY_IN_PROGRESS' },
    );
    expect(clock.sleeps).toEqual([]);
  });

  it('does not repeat a refusal that waiting cannot change; a 429 only when it says when', async () => {
    const refusals: Act[] = [
      { status: 422, code: 'IDV_CODE_INVALID' },
      { status: 409, code: 'SESSION_STATE', retryAfter: '1' },
      { status: 429 },
      { status: 503, code: 'TOKEN_RANGE_EXHAUSTED' },
      { status: 500, code: 'INTERNAL' },
    ];
    for (const refusal of refusals) {
      const t = await client([refusal], fakeClock());
      await expect(t.json({ method: 'POST', path: '/v1/x', body: {} }, Schema)).rejects.toThrow();
      expect(region?.keys).toHaveLength(1);
      await region?.close();
    }
    const clock = fakeClock();
    const limited = await client([{ status: 429, retryAfter: '3' }], clock);
    await expect(
      limited.json({ method: 'POST', path: '/v1/x', body: {} }, Schema),
    ).resolves.toEqual({ value: 2 });
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('stops waiting when the caller aborts', async () => {
    const controller = new AbortController();
    const t = await client([inProgress], {
      ...fakeClock(),
      sleep: (_ms, signal) => {
        controller.abort(new Error('user gave up'));
        return Promise.reject(signal?.reason as Error);
      },
    });
    await expect(
      t.json({ method: 'POST', path: '/v1/x', body: {}, signal: controller.signal }, Schema),
    ).rejects.toThrow('user gave up');
    expect(region?.keys).toHaveLength(1);
  });
});
