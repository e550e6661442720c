import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  DomicileError,
  api,
  listenError,
  toDomicileError,
  verifyDirectory,
  type PrivateJwk,
  type PublicJwk,
  type TlsFiles,
  definedProps,
  httpsServerOptions,
  loadTlsFiles,
  newTrace,
  parseTraceparent,
  type TlsMaterial,
  type TraceContext,
} from '@domicile/protocol';
import type { Dispatcher } from 'undici';
import { RegionForwarder } from './region-forwarder.js';

/** Options of {@link createNetworkRouter}. */
export interface NetworkRouterOptions {
  /** The signed region directory, and the authority key it must verify with. */
  readonly directoryJws: string;
  readonly authorityKey: PublicJwk;
  /** This network's id in the directory's `networks`. */
  readonly network: string;
  /** The network's signing key: the directory must list its public half for `network`. */
  readonly signingKey: PrivateJwk;
  /** How long a region may take to start its answer, and to pause within it; default 10 s. */
  readonly regionTimeoutMs?: number;
  /** Log requests (JSON lines on stdout); off by default. Bodies are never logged. */
  readonly log?: boolean;
  /** Where the log lines go instead of stdout (tests read them). */
  readonly logStream?: { write(line: string): void };
  /**
   * TLS: with a certificate and key the router serves HTTPS and presents the same certificate as
   * client to regions that demand one (mutual TLS); `caFile` is trusted for the regions' servers.
   */
  readonly tls?: Omit<TlsFiles, 'clientCaFile'>;
  /**
   * Requests one client address may make per window (`windowMs`) before a 429 with
   * `Retry-After`; none limits nothing. Counted per router process.
   */
  readonly rateLimit?: { readonly perAddress: number; readonly windowMs: number };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The W3C trace of the acquirer's request, or a new one when it sent none. */
    trace?: TraceContext;
  }
}

/**
 * A card network's router (DESIGN step 7): merchants' acquirers send it authorization requests
 * for tokens and never need to know regions; it finds the region that issued each token by the
 * directory's token ranges, signs the request for that region and returns the region's answer
 * as it came. Acquirers reach it with plain JSON and no keys, over HTTPS when it has a certificate
 * (`tls`); authenticating acquirers is the acquirer network's own business, not Domicile's. To
 * regions it presents the same certificate as a client, for their mutual TLS.
 * Returns the app without listening, for `inject()` tests; {@link startNetworkRouter} listens.
 */
export async function createNetworkRouter(options: NetworkRouterOptions): Promise<FastifyInstance> {
  const directory = await verifyDirectory(options.directoryJws, options.authorityKey);
  const listed = directory.network(options.network);
  if (listed === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `network ${options.network} is not in the directory` },
    });
  if (listed.keys.signing.kid !== options.signingKey.kid) {
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `the directory lists another key for network ${options.network}` },
    });
  }
  const tls = options.tls === undefined ? undefined : loadTlsFiles(options.tls);
  const regions = await regionConnections(tls);
  const forwarder = new RegionForwarder({
    directory,
    network: options.network,
    signingKey: options.signingKey,
    regions,
    ...definedProps({ timeoutMs: options.regionTimeoutMs }),
  });
  const app = Fastify({
    ...httpsServerOptions(tls),
    logger: options.log !== true ? false : options.logStream ? { stream: options.logStream } : true,
    bodyLimit: 16 * 1024,
    // On close, idle connections go at once; a request in flight is answered first (the drain).
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
      },
    },
  });
  // After the drain: no forward is in flight any more.
  app.addHook('onClose', () => regions.close());
  // First: every later hook and log line of the request knows its trace.
  app.addHook('onRequest', (request, reply, done) => {
    const { traceparent } = request.headers;
    request.trace =
      (typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined) ?? newTrace();
    request.log = request.log.child({ traceId: request.trace.traceId });
    reply.log = request.log;
    done();
  });
  const perAddress = options.rateLimit?.perAddress ?? 0;
  if (perAddress > 0) {
    await app.register(rateLimit, { global: false });
    const limiter = app.createRateLimit({
      max: perAddress,
      timeWindow: options.rateLimit?.windowMs ?? 60_000,
    });
    app.addHook('onRequest', async (request) => {
      if (request.url === '/healthz') return;
      const result = await limiter(request);
      if (result.isAllowed || !result.isExceeded) return;
      throw new DomicileError('RATE_LIMITED', {
        details: { limit: 'address', retryAfterSeconds: Math.max(1, result.ttlInSeconds) },
      });
    });
  }
  app.setErrorHandler((error, request, reply) => {
    const mapped = toDomicileError(error);
    if (mapped.status >= 500)
      request.log.error({ err: error, code: mapped.code }, 'authorization failed');
    const retryAfter = mapped.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return reply.code(mapped.status).send(mapped.toBody());
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(new DomicileError('NOT_FOUND').toBody()),
  );

  app.post<{ Body: api.AuthorizationRequest }>(
    '/v1/authorizations',
    { schema: { body: api.AuthorizationRequest } },
    async (request, reply) => {
      const answer = await forwarder.forward(request.body, request.trace ?? newTrace());
      request.log.info({ region: answer.region.id, status: answer.status }, 'authorization routed');
      // The region's JSON text as it came: parsed once to check it, never serialised again.
      return reply
        .code(answer.status)
        .header('content-type', 'application/json; charset=utf-8')
        .send(answer.json);
    },
  );
  app.get('/healthz', () => ({
    status: 'ok',
    network: options.network,
    directorySerial: directory.document.serial,
  }));
  return app;
}

/**
 * The router's keep-alive connections to the regions: an undici `Agent` (a pool per region
 * origin), trusting `tls.ca` and presenting `tls.cert` to regions that ask (mutual TLS). undici
 * is loaded here, by the router only: not by every process that sends an acquirer's request.
 */
async function regionConnections(tls: TlsMaterial | undefined): Promise<Dispatcher> {
  const { Agent } = await import('undici');
  return new Agent({
    connect: tls === undefined ? {} : definedProps({ ca: tls.ca, cert: tls.cert, key: tls.key }),
  });
}

/** A listening network router. */
export interface RunningNetworkRouter {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Creates the router and listens; by default on the host and port of the network's directory `baseUrl`. */
export async function startNetworkRouter(
  options: NetworkRouterOptions & { host?: string; port?: number },
): Promise<RunningNetworkRouter> {
  const app = await createNetworkRouter(options);
  const listed = (await verifyDirectory(options.directoryJws, options.authorityKey)).network(
    options.network,
  )?.baseUrl;
  const fromDirectory = listed === undefined ? undefined : new URL(listed);
  const host = options.host ?? fromDirectory?.hostname ?? '127.0.0.1';
  const port =
    options.port ??
    (fromDirectory === undefined || fromDirectory.port === '' ? 0 : Number(fromDirectory.port));
  try {
    const url = await app.listen({ host, port });
    return { app, url, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw listenError(error, host, port);
  }
}
