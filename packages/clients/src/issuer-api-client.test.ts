import { describe, expect, it } from 'vitest';
import { api, generateKeyPairJwk, verifyJson, type KeyPairJwk } from '@domicile/protocol';
import { IssuerApiClient } from './issuer-api-client.js';

const CREDENTIAL: api.IssuerCredentialResponse = {
  credential: {
    tokenRef: 'tok_0123456789',
    region: 'us',
    productId: 'us-liberty-visa',
    network: 'visa',
    last4: '1111',
    tokenLast4: '4242',
    state: 'suspended',
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  changed: true,
};

interface Sent {
  url: string;
  init: RequestInit;
}

function answering(status: number, body: string, sent: Sent[]): typeof fetch {
  return (input, init) => {
    sent.push({ url: input instanceof Request ? input.url : input.toString(), init: init ?? {} });
    return Promise.resolve(new Response(body, { status }));
  };
}

function clientOf(key: KeyPairJwk, fetchImpl: typeof fetch): IssuerApiClient {
  return new IssuerApiClient({
    issuerId: 'prairie',
    key: key.privateJwk,
    baseUrl: 'https://us.example/',
    region: 'us',
    fetch: fetchImpl,
    now: () => 1_700_000_000,
  });
}

describe('IssuerApiClient', () => {
  it('signs the method, path and body for the region, with a fresh jti each time', async () => {
    const key = await generateKeyPairJwk('sig');
    const sent: Sent[] = [];
    const client = clientOf(key, answering(200, JSON.stringify(CREDENTIAL), sent));
    expect(await client.changeState('tok_0123456789', 'suspend', 'fraud_suspected')).toEqual(
      CREDENTIAL,
    );
    await client.changeState('tok_0123456789', 'suspend', 'fraud_suspected');
    expect(sent[0]?.url).toBe('https://us.example/v1/issuer/credentials/tok_0123456789/suspend');
    expect(sent[0]?.init.method).toBe('POST');
    const claims = await Promise.all(
      sent.map(async (s) => {
        const { request } = JSON.parse(s.init.body as string) as api.IssuerRequestBody;
        return (await verifyJson(request, key.publicJwk, api.ISSUER_API_TYP)) as {
          jti: string;
        };
      }),
    );
    expect(claims[0]).toMatchObject({
      iss: 'prairie',
      aud: 'us',
      iat: 1_700_000_000,
      method: 'POST',
      path: '/v1/issuer/credentials/tok_0123456789/suspend',
      body: { reason: 'fraud_suspected' },
    });
    expect(claims[0]?.jti).not.toBe(claims[1]?.jti);
  });

  it("throws the region's error, and PEER_MALFORMED for an answer off its schema or not JSON", async () => {
    const key = await generateKeyPairJwk('sig');
    const refusal = JSON.stringify({
      error: { code: 'ISSUER_FORBIDDEN', message: 'x' },
    });
    const cases: [number, string, object][] = [
      [403, refusal, { code: 'ISSUER_FORBIDDEN' }],
      [
        200,
        JSON.stringify({ changed: true }),
        { code: 'PEER_MALFORMED', details: { peer: 'region', what: 'schema' } },
      ],
      [200, '<html>', { code: 'PEER_MALFORMED', details: { peer: 'region', what: 'not-json' } }],
    ];
    for (const [status, body, expected] of cases) {
      const client = clientOf(key, answering(status, body, []));
      await expect(client.changeState('tok_0123456789', 'resume', 'ok')).rejects.toMatchObject(
        expected,
      );
    }
  });

  it('reports an unreachable region as SERVICE_UNAVAILABLE', async () => {
    const client = clientOf(await generateKeyPairJwk('sig'), () =>
      Promise.reject(new TypeError('fetch failed')),
    );
    await expect(
      client.updateArt('us-liberty-visa', {
        background: '#000000',
        foreground: '#ffffff',
        label: 'L',
      }),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('signs a look-up over GET and the path with its query, in the issuer-request header', async () => {
    const key = await generateKeyPairJwk('sig');
    const sent: Sent[] = [];
    const page: api.IssuerTokenListResponse = { credentials: [], nextCursor: 'abc' };
    const client = clientOf(key, answering(200, JSON.stringify(page), sent));
    expect(
      await client.listCredentials({ state: 'suspended', last4: '1111', limit: 20, cursor: 'a-b' }),
    ).toEqual(page);
    const path = '/v1/issuer/credentials?state=suspended&last4=1111&limit=20&cursor=a-b';
    expect(sent[0]?.url).toBe(`https://us.example${path}`);
    expect(sent[0]?.init.method).toBe('GET');
    expect(sent[0]?.init.body).toBeUndefined();
    const headers = sent[0]?.init.headers as Record<string, string>;
    const claims = await verifyJson(
      headers[api.HEADERS.issuerRequest] ?? '',
      key.publicJwk,
      api.ISSUER_API_TYP,
    );
    expect(claims).toMatchObject({ iss: 'prairie', aud: 'us', method: 'GET', path, body: null });
  });

  it('refuses to reissue without the authority key, before sending anything', async () => {
    const sent: Sent[] = [];
    const client = clientOf(await generateKeyPairJwk('sig'), answering(200, '{}', sent));
    await expect(
      client.reissue('tok_0123456789', {
        pan: '4111110000002019',
        expiry: { month: 12, year: 2032 },
        name: 'Jane Doe',
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(sent).toEqual([]);
  });
});
