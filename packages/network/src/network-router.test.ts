import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildDirectoryDocument,
  buildIssuerApplicationData,
  generateKeyPairJwk,
  parseRegionsConfig,
  signDirectory,
  terminalElements,
  verifyJson,
  type KeyPairJwk,
  type PublicJwk,
} from '@domicile/protocol';
import { sendAuthorization } from './acquirer-client.js';
import {
  createNetworkRouter,
  startNetworkRouter,
  type RunningNetworkRouter,
} from './network-router.js';

const CONFIG = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:1", routing: [{ from: "400000", to: "449999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
  - { id: cn, name: CN, baseUrl: "http://127.0.0.1:2", routing: [{ from: "620000", to: "629999" }], tokenRanges: [{ from: "489200", to: "489299" }] }
  - { id: eu, name: EU, baseUrl: "http://127.0.0.1:3", routing: [{ from: "450000", to: "479999" }], tokenRanges: [{ from: "489100", to: "489199" }] }
networks:
  - { id: test-net, name: Test Network }
`;
const US_TOKEN = '4890001234567890';
/** A region's answer spelled as no serialiser would: the router must pass it on as it came. */
const RAW_ANSWER =
  '{ "region": "us", "approved": true, "reason": "approved",\n  "authorizationId": "auth-us-raw", "responseCode": "00" }';
const CN_TOKEN = '4892001234567891';

function request(tokenNumber: string): api.AuthorizationRequest {
  return {
    tokenNumber,
    tokenExpiry: { month: 12, year: 2030 },
    panSequenceNumber: '00',
    cvn: 18,
    arqc: '0123456789ABCDEF',
    emv: {
      ...terminalElements({
        amountMinor: 100,
        currency: '840',
        country: '840',
        date: '2025-01-01',
        unpredictableNumber: '01020304',
      }),
      '82': '1800',
      '9F36': '0001',
      '9F10': buildIssuerApplicationData('in_store'),
    },
    channel: 'in_store',
    merchant: { id: 'm-1', name: 'Shop' },
  };
}

/** A region as far as the router can tell: it checks the router's JWS and echoes what it decided on. */
async function fakeRegion(
  id: string,
  networkKey: () => PublicJwk,
  seen: api.NetworkAuthorizationClaims[],
  traces: (string | undefined)[] = [],
): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({ forceCloseConnections: true });
  server.server.on('connection', () => {
    connections.set(id, (connections.get(id) ?? 0) + 1);
  });
  server.post<{ Body: api.SignedAuthorization }>('/v1/authorizations', async (req, reply) => {
    const claims = (await verifyJson(
      req.body.authorization,
      networkKey(),
      api.AUTHORIZATION_TYP,
    )) as api.NetworkAuthorizationClaims;
    seen.push(claims);
    traces.push(req.headers.traceparent as string | undefined);
    const { tokenNumber } = claims.request;
    if (tokenNumber.endsWith('0000'))
      return reply
        .code(404)
        .send({ error: { code: 'TOKEN_NOT_FOUND', message: 'No such token in this region.' } });
    if (tokenNumber.endsWith('0302'))
      return reply.code(302).header('location', 'http://127.0.0.1:9/').send(RAW_ANSWER);
    if (tokenNumber.endsWith('0415')) return reply.type('text/plain').send('not JSON');
    if (tokenNumber.endsWith('0416')) return reply.type('application/json').send('[1, 2]');
    if (tokenNumber.endsWith('7777')) return reply.type('application/json').send(RAW_ANSWER);
    return {
      authorizationId: `auth-${id}-0001`,
      region: id,
      approved: true,
      reason: 'approved',
      responseCode: '00',
    };
  });
  return { server, url: await server.listen({ host: '127.0.0.1', port: 0 }) };
}

let network: KeyPairJwk;
let authority: KeyPairJwk;
let directoryJws: string;
let router: RunningNetworkRouter;
const regions: FastifyInstance[] = [];
const seen: api.NetworkAuthorizationClaims[] = [];
const traces: (string | undefined)[] = [];
const logLines: string[] = [];
/** Connections each fake region accepted. */
const connections = new Map<string, number>();

beforeAll(async () => {
  [network, authority] = await Promise.all([generateKeyPairJwk('sig'), generateKeyPairJwk('sig')]);
  const us = await fakeRegion('us', () => network.publicJwk, seen, traces);
  const cn = await fakeRegion('cn', () => network.publicJwk, seen, traces);
  regions.push(us.server, cn.server);
  const config = parseRegionsConfig(CONFIG);
  const keys = new Map(
    await Promise.all(
      config.regions.map(async (r) => {
        const [s, e, t] = await Promise.all([
          generateKeyPairJwk('sig'),
          generateKeyPairJwk('enc'),
          generateKeyPairJwk('sig'),
        ]);
        return [r.id, { signing: s.publicJwk, encryption: e.publicJwk, tsm: t.publicJwk }] as const;
      }),
    ),
  );
  // eu listens nowhere: its requests find no one.
  const baseUrls = new Map([
    ['us', us.url],
    ['cn', cn.url],
    ['eu', 'http://127.0.0.1:9'],
  ]);
  directoryJws = await signDirectory(
    buildDirectoryDocument(config, keys, {
      serial: 1,
      baseUrls,
      networkKeys: new Map([['test-net', network.publicJwk]]),
    }),
    authority.privateJwk,
  );
  router = await startNetworkRouter({
    directoryJws,
    authorityKey: authority.publicJwk,
    network: 'test-net',
    signingKey: network.privateJwk,
    port: 0,
    regionTimeoutMs: 2_000,
    log: true,
    logStream: { write: (line) => logLines.push(line) },
  });
});
afterAll(async () => {
  await router.close();
  await Promise.all(regions.map((r) => r.close()));
});

describe('network router', () => {
  it('routes each token to the region that issued it, signed for that region, and returns its answer', async () => {
    const us = await sendAuthorization({ routerUrl: router.url, request: request(US_TOKEN) });
    const cn = await sendAuthorization({ routerUrl: router.url, request: request(CN_TOKEN) });
    expect([us.region, cn.region]).toEqual(['us', 'cn']);
    expect(seen.map((c) => [c.iss, c.aud, c.request.tokenNumber])).toEqual([
      ['test-net', 'us', US_TOKEN],
      ['test-net', 'cn', CN_TOKEN],
    ]);
    expect(new Set(seen.map((c) => c.jti)).size).toBe(2);
    expect(Math.abs((seen[0]?.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60);
  });

  it("passes the acquirer's W3C trace on to the region, and logs the request with it", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
    const res = await fetch(`${router.url}/v1/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: incoming },
      body: JSON.stringify(request(US_TOKEN)),
    });
    expect(res.status).toBe(200);
    const forwarded = traces.at(-1) ?? '';
    // The same trace; the router's own span as the parent.
    expect(forwarded).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(forwarded).not.toBe(incoming);
    const routed = logLines
      .map((line) => JSON.parse(line) as { msg?: string; traceId?: string })
      .filter((line) => line.msg === 'authorization routed');
    expect(routed.at(-1)?.traceId).toBe(traceId);
    expect(logLines.join('')).not.toContain(US_TOKEN);

    // Without one, the router starts a trace of its own and the region gets it.
    await sendAuthorization({ routerUrl: router.url, request: request(US_TOKEN) });
    expect(traces.at(-1)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traces.at(-1)).not.toContain(traceId);
  });

  it("refuses a token in no region's range, and passes a region's own error on", async () => {
    await expect(
      sendAuthorization({ routerUrl: router.url, request: request('4999001234567893') }),
    ).rejects.toMatchObject({ code: 'TOKEN_RANGE_UNKNOWN', status: 404 });
    await expect(
      sendAuthorization({ routerUrl: router.url, request: request('4890001234560000') }),
    ).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
  });

  it("returns the region's JSON as it came, over connections it keeps alive", async () => {
    const before = connections.get('us') ?? 0;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${router.url}/v1/authorizations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request('4890001234567777')),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe(RAW_ANSWER);
    }
    // One after the other: one connection to the region at most (none when an earlier test's is alive).
    expect((connections.get('us') ?? 0) - before).toBeLessThanOrEqual(1);
  });

  it('says REGION_UNREACHABLE when the region answers with a redirect or anything but a JSON object', async () => {
    for (const tokenNumber of ['4890001234560302', '4890001234560415', '4890001234560416']) {
      const res = await router.app.inject({
        method: 'POST',
        url: '/v1/authorizations',
        payload: request(tokenNumber),
      });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({
        error: { code: 'REGION_UNREACHABLE', details: { region: 'us' } },
      });
      expect(res.body).not.toContain('auth-us-raw');
    }
  });

  it('says REGION_UNREACHABLE when the region does not answer', async () => {
    const res = await router.app.inject({
      method: 'POST',
      url: '/v1/authorizations',
      payload: request('4891001234567892'),
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({
      error: {
        code: 'REGION_UNREACHABLE',
        message: 'The region that issued the token did not answer.',
        details: { region: 'eu' },
      },
    });
  });

  it('names the bad field of a malformed request, without its value', async () => {
    const res = await router.app.inject({
      method: 'POST',
      url: '/v1/authorizations',
      payload: { ...request(US_TOKEN), arqc: 'nothex' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'body/arqc' } },
    });
    expect(res.body).not.toContain(US_TOKEN);
    const extra = await router.app.inject({
      method: 'POST',
      url: '/v1/authorizations',
      payload: { ...request(US_TOKEN), pan: '4111111111111111' },
    });
    expect(extra.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'body/pan' } },
    });
  });

  it('answers a client address past its limit with 429 and Retry-After', async () => {
    const limited = await createNetworkRouter({
      directoryJws,
      authorityKey: authority.publicJwk,
      network: 'test-net',
      signingKey: network.privateJwk,
      rateLimit: { perAddress: 2, windowMs: 60_000 },
    });
    try {
      const send = (remoteAddress: string) =>
        limited.inject({
          method: 'POST',
          url: '/v1/authorizations',
          payload: request('4999001234567893'),
          remoteAddress,
        });
      expect((await send('192.0.2.1')).statusCode).toBe(404);
      expect((await send('192.0.2.1')).statusCode).toBe(404);
      const refused = await send('192.0.2.1');
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.json()).toMatchObject({
        error: { code: 'RATE_LIMITED', details: { limit: 'address' } },
      });
      expect(refused.body).not.toContain('4999001234567893');
      expect((await send('192.0.2.2')).statusCode).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('will not start with a network or a key the directory does not list', async () => {
    const other = await generateKeyPairJwk('sig');
    await expect(
      createNetworkRouter({
        directoryJws,
        authorityKey: authority.publicJwk,
        network: 'test-net',
        signingKey: other.privateJwk,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(
      createNetworkRouter({
        directoryJws,
        authorityKey: authority.publicJwk,
        network: 'nobody',
        signingKey: network.privateJwk,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(
      createNetworkRouter({
        directoryJws,
        authorityKey: other.publicJwk,
        network: 'test-net',
        signingKey: network.privateJwk,
      }),
    ).rejects.toMatchObject({ code: 'DIRECTORY_AUTHORITY_UNKNOWN' });
  });
});
