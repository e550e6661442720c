import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRegionTransport } from './region-request-client.js';

let redirector: Server;
let elsewhere: Server;
let redirectorUrl: string;
let elsewhereHits = 0;

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
};

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    elsewhereHits += 1;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"confirmation":"x"}');
  });
  const elsewhereUrl = await listen(elsewhere);
  // A 307 keeps the method and body: a client that follows it would resend the signed request there.
  redirector = createServer((req, res) => {
    req.resume();
    res.writeHead(307, { location: `${elsewhereUrl}${req.url ?? '/'}` }).end();
  });
  redirectorUrl = await listen(redirector);
});
afterAll(async () => {
  await Promise.all([redirector, elsewhere].map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('fetchRegionTransport', () => {
  it('fails on a redirect instead of sending the request to a server the directory does not list', async () => {
    const sent = fetchRegionTransport(
      redirectorUrl,
      { request: 'a.b.c' },
      AbortSignal.timeout(5_000),
    );
    await expect(sent).rejects.toThrow(TypeError);
    expect(elsewhereHits).toBe(0);
  });
});
