import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginCallback,
} from 'fastify';
import {
  DomicileError,
  authenticateChallengeOf,
  httpsServerOptions,
  newTrace,
  parseTraceparent,
  toDomicileError,
  type TlsMaterial,
} from '@domicile/protocol';
import { requestIdOf } from '../ids/index.js';
import { outcomeOf, runInTrace } from '../logging/index.js';
import type { RegionContext } from '../region-context.js';
import { auditCallHook, auditRefusal } from './audit-hooks.js';
import { requireClientCertificate } from './client-certificate-auth.js';
import { deviceAuthHook, requireIdempotentDeviceWrites } from './device-auth.js';
import { durableAnswers } from './durable-output.js';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';
import { regionOpenApiOptions } from './openapi-document.js';
import type { RateLimitConfig } from '../config/index.js';
import { registerRateLimits } from './rate-limits.js';
import { registerMetrics } from './region-metrics.js';
import { walletCorsHook } from './wallet-cors.js';
import { accountRoutes } from './routes/account-routes.js';
import { authorizationRoutes } from './routes/authorization-routes.js';
import { credentialRoutes } from './routes/credential-routes.js';
import { issuerRoutes } from './routes/issuer-routes.js';
import { lifecycleRoutes } from './routes/lifecycle-routes.js';
import { notificationRoutes } from './routes/notification-routes.js';
import { provisioningRoutes } from './routes/provisioning-routes.js';
import { publicRoutes } from './routes/public-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { regionRoutes } from './routes/region-routes.js';
import { supportRoutes } from './routes/support-routes.js';

/** Requests carry JWEs of a few KiB at most; anything larger is refused before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface RegionAppOptions {
  readonly sandbox: boolean;
  /**
   * Serve HTTPS with this certificate and key; with a client CA too, the server-to-server routes
   * demand a client certificate it issued (mutual TLS). Without, plain HTTP (loopback, or behind a
   * proxy that terminates TLS).
   */
  readonly tls?: TlsMaterial;
  /** Request limits per client address and per device key; none (tests) limits nothing. */
  readonly rateLimits?: RateLimitConfig;
  /** Origins of browser wallets answered with CORS headers (exact origins); none by default. */
  readonly walletOrigins?: readonly string[];
  /**
   * More routes, registered after the API's: the operator console (`console/`), which the
   * composition root adds so that this folder does not depend on it.
   */
  readonly routes?: readonly FastifyPluginCallback[];
}

/**
 * The HTTP edge of a region: parses and validates requests, proves the device, calls the domain
 * and maps error codes to statuses in one place. Tests drive it with `inject()`; `startRegion`
 * makes it listen.
 */
export async function buildRegionApp(
  ctx: RegionContext,
  options: RegionAppOptions,
): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = ctx.logger;
  const app = Fastify({
    ...httpsServerOptions(options.tls),
    loggerInstance,
    // One line per request, written when it is answered (below), instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    // On close, idle connections go at once; a request in flight is answered first (the drain).
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers },
    ajv: {
      // Unknown fields are an error, not silently dropped; types are never coerced.
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First of all hooks: everything after it, and every log line, runs inside the request's trace.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    // Two traceparent headers are no trace at all (the specification): a new one starts.
    const { traceparent } = request.headers;
    const given = typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined;
    request.trace = given ?? newTrace();
    runInTrace(request.trace, done);
  });

  if (options.walletOrigins !== undefined && options.walletOrigins.length > 0)
    app.addHook('onRequest', walletCorsHook(options.walletOrigins));

  await app.register(swagger, regionOpenApiOptions(ctx.self));

  registerMetrics(app, ctx);
  // Hooks run on every request take `done` rather than being async: a promise per hook per request.
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        req: { method: request.method, url: request.url },
        res: { statusCode: reply.statusCode },
        responseTime: reply.elapsedTime,
        ...(request.trace === undefined ? undefined : outcomeOf(request.trace)),
      },
      'request completed',
    );
    done();
  });
  const limits = await registerRateLimits(app, options.rateLimits);
  // The address limit before any proof is checked: a flood costs no signature verification.
  app.addHook('onRequest', limits.byAddress);
  if (options.tls?.clientCa !== undefined) app.addHook('onRequest', requireClientCertificate);
  app.addHook('onRequest', deviceAuthHook(ctx));
  app.addHook('onRoute', requireIdempotentDeviceWrites);
  app.addHook('onRequest', limits.byDevice);
  app.addHook('preHandler', auditCallHook(ctx));
  app.addHook('onSend', durableAnswers(ctx.db));
  app.setErrorHandler(async (error, request, reply) => {
    const mapped = toDomicileError(error);
    app.countError(mapped.code);
    if (mapped.status >= 500)
      request.log.error({ err: error, code: mapped.code }, 'request failed');
    else {
      request.log.info({ code: mapped.code }, 'request refused');
      // The refusal stands whether or not its row is written; a row that cannot be is logged. A
      // request refused for its rate is not written: a flood must not cost a chained commit each.
      if (mapped.code !== 'RATE_LIMITED')
        await auditRefusal(ctx, request, mapped).catch((auditError: unknown) =>
          request.log.error({ err: auditError }, 'refused request not audited'),
        );
    }
    const auth = request.routeOptions.config.auth ?? 'none';
    const challenge = authenticateChallengeOf(mapped, {
      dpopRoute: auth === 'dpop' || auth === 'device' || auth === 'device-or-lost',
    });
    if (challenge !== undefined) void reply.header('www-authenticate', challenge);
    const retryAfter = mapped.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return reply.code(mapped.status).send(mapped.toBody());
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(new DomicileError('NOT_FOUND').toBody()),
  );

  await app.register(publicRoutes(ctx, options));
  await app.register(accountRoutes(ctx));
  await app.register(provisioningRoutes(ctx));
  await app.register(credentialRoutes(ctx));
  await app.register(lifecycleRoutes(ctx));
  await app.register(issuerRoutes(ctx));
  await app.register(notificationRoutes(ctx));
  await app.register(authorizationRoutes(ctx));
  await app.register(supportRoutes(ctx));
  await app.register(regionRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  for (const routes of options.routes ?? []) await app.register(routes);
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}
