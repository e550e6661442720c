import Fastify from 'fastify';
import { isDomicileError, verifyJson, type PublicJwk } from '@domicile/protocol';
import {
  ISSUER_OPERATIONS,
  ISSUER_REQUEST_TYP,
  type AuthorizationCheck,
  type CardDetailsCheck,
  type CodeDelivery,
  type EligibilityRequest,
  type IdvMethodsRequest,
  type IssuerGateway,
  type IssuerOperation,
  type IssuerRequestEnvelope,
} from '../issuer/index.js';

/** Options of {@link serveIssuerGateway}. */
export interface IssuerGatewayServerOptions {
  /** The issuer that decides: the sandbox, in tests. */
  readonly issuer: IssuerGateway;
  /** The one region allowed to call, and the public half of its signing key. */
  readonly region: string;
  readonly regionKey: PublicJwk;
}

/** A listening issuer: `baseUrl` is what `HttpIssuerGateway` is configured with. */
export interface IssuerGatewayServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/*
 * The request bodies are the region's own types as it sent them: a test peer trusts them as
 * typed, where a real issuer would check them against its own schema.
 */
const OPERATIONS: Record<
  IssuerOperation,
  (issuer: IssuerGateway, request: never) => Promise<{ status: number; body?: unknown }>
> = {
  [ISSUER_OPERATIONS.eligibility]: async (issuer, request: EligibilityRequest) => ({
    status: 200,
    body: await issuer.checkEligibility(request),
  }),
  [ISSUER_OPERATIONS.verifyCardDetails]: async (issuer, request: CardDetailsCheck) => {
    await issuer.verifyCardDetails(request);
    return { status: 204 };
  },
  [ISSUER_OPERATIONS.idvMethods]: async (issuer, request: IdvMethodsRequest) => ({
    status: 200,
    body: { methods: await issuer.idvMethods(request) },
  }),
  [ISSUER_OPERATIONS.deliverCode]: async (issuer, request: CodeDelivery) => {
    await issuer.deliverCode(request);
    return { status: 202 };
  },
  [ISSUER_OPERATIONS.authorize]: async (issuer, request: AuthorizationCheck) => ({
    status: 200,
    body: await issuer.authorize(request),
  }),
};

const isOperation = (path: string): path is IssuerOperation => Object.hasOwn(OPERATIONS, path);

/**
 * Serves an {@link IssuerGateway} over the issuer HTTP protocol (`issuer-http-protocol.ts`) on a
 * loopback port: the peer an `HttpIssuerGateway` talks to in tests. It checks what a real issuer
 * must (the region's signature and `typ`, this issuer as `aud`, the path's operation as `op`,
 * a `jti` never seen) and answers the two refusals with the protocol's bodies.
 */
export async function serveIssuerGateway(
  options: IssuerGatewayServerOptions,
): Promise<IssuerGatewayServer> {
  const app = Fastify({ forceCloseConnections: true });
  const seen = new Set<string>();
  let base = '';
  app.addContentTypeParser('application/jose', { parseAs: 'string' }, (_req, body, done) => {
    done(null, body);
  });
  app.post('/*', async (request, reply) => {
    const op = request.url.slice(1);
    const envelope = (await verifyJson(
      String(request.body),
      options.regionKey,
      ISSUER_REQUEST_TYP,
    ).catch(() => undefined)) as IssuerRequestEnvelope | undefined;
    if (
      !isOperation(op) ||
      envelope?.op !== op ||
      envelope.aud !== base ||
      envelope.iss !== options.region ||
      seen.has(envelope.jti)
    )
      return reply.code(401).send({ error: 'request_refused' });
    seen.add(envelope.jti);
    try {
      const answer = await OPERATIONS[op](options.issuer, envelope.request as never);
      return await reply.code(answer.status).send(answer.body);
    } catch (error) {
      if (isDomicileError(error, 'CARD_NOT_SUPPORTED'))
        return reply.code(404).send({ error: 'card_not_supported' });
      if (isDomicileError(error, 'CARD_DETAILS_INVALID'))
        return reply.code(422).send({ error: 'card_details_invalid' });
      throw error;
    }
  });
  base = `${await app.listen({ host: '127.0.0.1', port: 0 })}/`;
  return { baseUrl: base, close: () => app.close() };
}
