import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairJwk, verifyJson, type KeyPairJwk } from '@domicile/protocol';
import type { AuthorizationCheck } from '../issuer-gateway.js';
import { HttpIssuerGateway } from './http-issuer-gateway.js';
import { ISSUER_REQUEST_TYP, type IssuerRequestEnvelope } from './issuer-http-protocol.js';
import { FileJwsSigner } from '../../keys/index.js';

const CHECK: AuthorizationCheck = {
  authorizationId: 'auth-0123456789',
  pan: '4111111111111111',
  expiry: { month: 12, year: 2030 },
  productId: 'us-liberty-visa',
  amount: { minor: 2_500, currency: '840' },
  merchant: { id: 'm-1', name: 'Shop' },
  country: '840',
  channel: 'in_app',
};

describe('HttpIssuerGateway.authorize', () => {
  let keys: KeyPairJwk;
  let server: FastifyInstance;
  let baseUrl: string;
  const seen: IssuerRequestEnvelope[] = [];

  beforeAll(async () => {
    keys = await generateKeyPairJwk('sig');
    server = Fastify({ forceCloseConnections: true });
    server.addContentTypeParser('application/jose', { parseAs: 'string' }, (_req, body, done) => {
      done(null, body);
    });
    server.addHook('preHandler', async (request) => {
      seen.push(
        (await verifyJson(
          String(request.body),
          keys.publicJwk,
          ISSUER_REQUEST_TYP,
        )) as IssuerRequestEnvelope,
      );
    });
    server.post('/approve/authorizations', () => ({ approved: true, reason: 'approved' }));
    server.post('/decline/authorizations', () => ({
      approved: false,
      reason: 'insufficient_funds',
    }));
    server.post('/confused/authorizations', () => ({
      approved: true,
      reason: 'insufficient_funds',
    }));
    server.post('/refuse/authorizations', async (_req, reply) =>
      reply.code(422).send({ error: 'card_details_invalid' }),
    );
    baseUrl = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  const gateway = (path: string): HttpIssuerGateway =>
    new HttpIssuerGateway({
      baseUrl: `${baseUrl}/${path}`,
      region: 'us',
      signer: new FileJwsSigner(keys.privateJwk),
      timeoutMs: 2_000,
    });

  it('sends the signed authorization and reads approvals and declines as answers', async () => {
    expect(await gateway('approve').authorize(CHECK)).toEqual({
      approved: true,
      reason: 'approved',
    });
    expect(await gateway('decline').authorize(CHECK)).toEqual({
      approved: false,
      reason: 'insufficient_funds',
    });
    expect(seen[0]).toMatchObject({
      iss: 'us',
      op: 'authorizations',
      request: { authorizationId: CHECK.authorizationId, amount: CHECK.amount },
    });
  });

  it('reads an issuer refusing the card as do_not_honor', async () => {
    expect(await gateway('refuse').authorize(CHECK)).toEqual({
      approved: false,
      reason: 'do_not_honor',
    });
  });

  it('is unavailable for an answer that contradicts itself, and for another 4xx', async () => {
    await expect(gateway('confused').authorize(CHECK)).rejects.toMatchObject({
      code: 'ISSUER_UNAVAILABLE',
    });
    const error = await gateway('missing')
      .authorize(CHECK)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ISSUER_UNAVAILABLE', details: { status: 404 } });
    expect(JSON.stringify(error)).not.toContain(CHECK.pan);
  });
});
