import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairJwk, verifyJson, type KeyPairJwk } from '@domicile/protocol';
import { openDatabase } from '../../storage/index.js';
import { serveIssuerGateway } from '../../testing/index.js';
import { describeIssuerGatewayContract } from '../issuer-gateway.contract.js';
import { readOutbox } from '../sandbox/issuer-outbox.js';
import { SandboxIssuer } from '../sandbox/sandbox-issuer.js';
import { SANDBOX_PRODUCTS, toCardProduct } from '../sandbox/sandbox-products.js';
import { HttpIssuerGateway } from './http-issuer-gateway.js';
import { ISSUER_REQUEST_TYP, type IssuerRequestEnvelope } from './issuer-http-protocol.js';
import { FileJwsSigner } from '../../keys/index.js';

const liberty = SANDBOX_PRODUCTS.get('us-liberty-visa');
if (liberty === undefined) throw new Error('sandbox product missing');
const PRODUCT = toCardProduct(liberty);
const STANDING = { activeCredentials: 0, canTransact: true, guest: true };
const CHECK = {
  pan: '4111111111111111',
  expiry: { month: 12, year: 2030 },
  cvv: '123',
  name: 'Jane Doe',
  productId: PRODUCT.id,
};
const METHOD = { id: 'sms', kind: 'otp_sms', target: '•••• 0199' } as const;

describeIssuerGatewayContract('http, in front of the sandbox served on loopback', {
  open: async (region) => {
    const db = await openDatabase('sqlite::memory:');
    const keys = await generateKeyPairJwk('sig');
    const server = await serveIssuerGateway({
      issuer: new SandboxIssuer({ region, db }),
      region,
      regionKey: keys.publicJwk,
    });
    return {
      gateway: new HttpIssuerGateway({
        baseUrl: server.baseUrl,
        region,
        signer: new FileJwsSigner(keys.privateJwk),
      }),
      delivered: () => readOutbox(db, { limit: 100 }),
      close: async () => {
        await server.close();
        await db.destroy();
      },
    };
  },
  // A port that was just closed: the connection is refused at once.
  unanswered: async () => {
    const keys = await generateKeyPairJwk('sig');
    const closed = Fastify();
    const baseUrl = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    return new HttpIssuerGateway({
      baseUrl,
      region: 'us',
      signer: new FileJwsSigner(keys.privateJwk),
    });
  },
});

describe('HttpIssuerGateway', () => {
  let keys: KeyPairJwk;
  let server: FastifyInstance;
  let baseUrl: string;
  const seen: IssuerRequestEnvelope[] = [];

  beforeAll(async () => {
    keys = await generateKeyPairJwk('sig');
    // Connections of the route that never answers must not hold `close()` up.
    server = Fastify({ forceCloseConnections: true });
    server.addContentTypeParser('application/jose', { parseAs: 'string' }, (_req, body, done) => {
      done(null, body);
    });
    server.addHook('preHandler', async (request, reply) => {
      try {
        const envelope = (await verifyJson(
          String(request.body),
          keys.publicJwk,
          ISSUER_REQUEST_TYP,
        )) as IssuerRequestEnvelope;
        if (`/${envelope.op}` !== request.url.replace(/^\/[^/]+/, ''))
          throw new Error('op does not match the path');
        seen.push(envelope);
      } catch {
        await reply.code(401).send({ error: 'bad_signature' });
      }
    });
    server.post('/good/eligibility', () => ({
      decision: 'yellow',
      reason: 'Verify first.',
      product: { ...PRODUCT, extra: 'dropped' },
    }));
    server.post('/good/card-details/verify', async (_req, reply) => reply.code(204).send());
    server.post('/good/idv/methods', () => ({ methods: [METHOD] }));
    server.post('/good/idv/deliver', async (_req, reply) => reply.code(202).send({ queued: true }));
    server.post('/refuse/eligibility', async (_req, reply) =>
      reply.code(404).send({ error: 'card_not_supported' }),
    );
    server.post('/refuse/card-details/verify', async (_req, reply) =>
      reply.code(422).send({ error: 'card_details_invalid' }),
    );
    server.post('/refuse/idv/methods', async (_req, reply) =>
      reply.code(400).send({ error: 'something_else' }),
    );
    server.post('/broken/eligibility', async (_req, reply) =>
      reply.code(500).send({ error: 'card_not_supported' }),
    );
    server.post('/broken/idv/methods', () => ({ methods: 'not a list' }));
    server.post('/silent/eligibility', () => new Promise(() => undefined));
    baseUrl = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  const gateway = (path: string, timeoutMs = 2_000): HttpIssuerGateway =>
    new HttpIssuerGateway({
      baseUrl: `${baseUrl}/${path}`,
      region: 'us',
      signer: new FileJwsSigner(keys.privateJwk),
      timeoutMs,
    });

  it('signs every request with the region key and reads the answers', async () => {
    const issuer = gateway('good');
    const result = await issuer.checkEligibility({
      routingPrefix: '41111111',
      last4: '1111',
      network: 'visa',
      standing: STANDING,
    });
    expect(result).toEqual({ decision: 'yellow', reason: 'Verify first.', product: PRODUCT });
    await expect(issuer.verifyCardDetails(CHECK)).resolves.toBeUndefined();
    expect(await issuer.idvMethods({ productId: PRODUCT.id, last4: '1111' })).toEqual([METHOD]);
    await expect(
      issuer.deliverCode({
        sessionId: 'session-0001',
        method: METHOD,
        last4: '1111',
        code: '123456',
      }),
    ).resolves.toBeUndefined();
    expect(seen.map((e) => e.op)).toEqual([
      'eligibility',
      'card-details/verify',
      'idv/methods',
      'idv/deliver',
    ]);
    expect(seen[0]).toMatchObject({
      iss: 'us',
      aud: `${baseUrl}/good/`,
      request: { routingPrefix: '41111111', last4: '1111' },
    });
    expect(new Set(seen.map((e) => e.jti)).size).toBe(4);
  });

  it('maps the two refusals and treats any other 4xx as unavailable', async () => {
    const issuer = gateway('refuse');
    await expect(
      issuer.checkEligibility({
        routingPrefix: '41111111',
        last4: '1111',
        network: 'visa',
        standing: STANDING,
      }),
    ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
    await expect(issuer.verifyCardDetails(CHECK)).rejects.toMatchObject({
      code: 'CARD_DETAILS_INVALID',
    });
    await expect(issuer.idvMethods({ productId: PRODUCT.id, last4: '1111' })).rejects.toMatchObject(
      { code: 'ISSUER_UNAVAILABLE' },
    );
  });

  it('is unavailable on a 500, a malformed answer, an unknown route or a bad signature', async () => {
    await expect(
      gateway('broken').checkEligibility({
        routingPrefix: '41111111',
        last4: '1111',
        network: 'visa',
        standing: STANDING,
      }),
    ).rejects.toMatchObject({ code: 'ISSUER_UNAVAILABLE', details: { status: 500 } });
    await expect(
      gateway('broken').idvMethods({ productId: PRODUCT.id, last4: '1111' }),
    ).rejects.toMatchObject({ code: 'ISSUER_UNAVAILABLE' });
    await expect(gateway('broken').verifyCardDetails(CHECK)).rejects.toMatchObject({
      code: 'ISSUER_UNAVAILABLE',
    });
    const other = await generateKeyPairJwk('sig');
    const forged = new HttpIssuerGateway({
      baseUrl: `${baseUrl}/good`,
      region: 'us',
      signer: new FileJwsSigner(other.privateJwk),
    });
    await expect(forged.verifyCardDetails(CHECK)).rejects.toMatchObject({
      code: 'ISSUER_UNAVAILABLE',
      details: { status: 401 },
    });
  });

  // Without its own timeout the call would hang on the silent issuer until the test runner's.
  it('gives up after its timeout on an issuer that never answers', async () => {
    const error = await gateway('silent', 300)
      .checkEligibility({
        routingPrefix: '41111111',
        last4: '1111',
        network: 'visa',
        standing: STANDING,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ISSUER_UNAVAILABLE' });
  });

  it('is unavailable when nothing listens, and never puts a card number in the error', async () => {
    const closed = Fastify();
    const url = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    const issuer = new HttpIssuerGateway({
      baseUrl: url,
      region: 'us',
      signer: new FileJwsSigner(keys.privateJwk),
    });
    const error = await issuer.verifyCardDetails(CHECK).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ISSUER_UNAVAILABLE' });
    expect(JSON.stringify(error) + String(error)).not.toContain(CHECK.pan);
  });

  it('refuses a base URL that would send card details in clear off the host', () => {
    for (const bad of ['http://issuer.example', 'ftp://127.0.0.1', 'not a url']) {
      let error: unknown;
      try {
        new HttpIssuerGateway({
          baseUrl: bad,
          region: 'us',
          signer: new FileJwsSigner(keys.privateJwk),
        });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    }
    expect(
      () =>
        new HttpIssuerGateway({
          baseUrl: 'https://issuer.example/api',
          region: 'us',
          signer: new FileJwsSigner(keys.privateJwk),
        }),
    ).not.toThrow();
  });
});
