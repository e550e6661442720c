import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { RegionTransport } from './region-transport.js';

interface Seen {
  url: string;
  dpop: string | null;
  key: string | null;
}

function transport(answers: (Response | Error)[], seen: Seen[] = []): RegionTransport {
  let proofs = 0;
  return new RegionTransport({
    region: 'us',
    baseUrl: 'http://us.test/',
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
    expect(seen.map((s) => s.url)).toEqual(Array(3).fill('http://us.test/v1/things?a=1'));
    expect(seen.map((s) => s.dpop)).toEqual(
      [1, 2, 3].map((n) => `POST http://us.test/v1/things #${n}`),
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
