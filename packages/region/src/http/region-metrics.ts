import type { FastifyInstance } from 'fastify';
import type { TraceContext } from '@domicile/protocol';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { statementsOf } from '../logging/index.js';
import type { RegionContext } from '../region-context.js';
import { registerRewrapMetrics } from '../vault-rewrap/index.js';
import { registerFigureMetrics } from './figure-metrics.js';
import { registerQueueMetrics } from './queue-metrics.js';
import { registerStepMetrics } from './step-metrics.js';

/**
 * Prometheus metrics of one region server. A registry per app, not the global one, so several
 * regions can live in one process (the demo, the tests). The default metrics include the event
 * loop's lag (`nodejs_eventloop_lag_seconds` and its percentiles).
 */
export function registerMetrics(
  app: FastifyInstance,
  ctx: Pick<RegionContext, 'self' | 'db' | 'now' | 'vault'>,
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ region: ctx.self.id });
  collectDefaultMetrics({ register: registry });
  registerStepMetrics(app, registry);
  registerQueueMetrics(registry, ctx.db, ctx.now);
  registerRewrapMetrics(registry, ctx.db, ctx.vault.kekId);
  registerFigureMetrics(registry, ctx.db, ctx.now);
  const duration = new Histogram({
    name: 'domicile_http_request_duration_seconds',
    help: 'HTTP request duration by route and status.',
    labelNames: ['method', 'route', 'status'],
    // Up to 10 s: an issuer call may take its whole timeout (5 s by default).
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'domicile_errors_total',
    help: 'Error answers by code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const statements = new Counter({
    name: 'domicile_db_statements_total',
    help: 'Database statements sent while requests were handled (begin and commit included), by route: divided by the requests of the duration histogram, the statements per request.',
    labelNames: ['method', 'route'],
    registers: [registry],
  });
  // Every request runs it: `done` rather than async, a promise fewer per request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (request.trace !== undefined)
      statements.inc({ method: request.method, route }, statementsOf(request.trace));
    done();
  });
  app.decorate('countError', (code: string) => errors.inc({ code }));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );
  return registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    countError(code: string): void;
  }
  interface FastifyRequest {
    /** The request's trace (`logging/request-trace.ts`), set by the app's first hook. */
    trace?: TraceContext;
  }
}
