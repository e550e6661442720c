import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomicileError } from '@domicile/protocol';
import type { RateLimitConfig } from '../config/index.js';

/** Health probes and metrics scrapes come from a balancer's or collector's one address, often. */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
/** An async onRequest hook: it resolves to let the request on, or throws RATE_LIMITED. */
type RateLimitHook = (request: FastifyRequest) => Promise<void>;

/**
 * The limiter hooks of {@link RateLimitConfig}, built on `@fastify/rate-limit`'s counters (its
 * in-memory store). A refusal is `RATE_LIMITED` (429) with `Retry-After` (the error handler
 * writes it from `details.retryAfterSeconds`); its body never repeats what the request carried.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  config: RateLimitConfig,
): Promise<{ byAddress: RateLimitHook; byDevice: RateLimitHook }> {
  await app.register(rateLimit, { global: false });
  const window = { timeWindow: config.windowMs };
  const byAddress =
    config.perAddress > 0
      ? app.createRateLimit({
          ...window,
          max: config.perAddress,
          keyGenerator: (request) => `address:${request.ip}`,
        })
      : undefined;
  const byDevice =
    config.perDevice > 0
      ? app.createRateLimit({
          ...window,
          max: config.perDevice,
          keyGenerator: (request) => `device:${request.dpop?.jkt ?? ''}`,
        })
      : undefined;
  return {
    byAddress: limitHook(byAddress, 'address', () => true),
    byDevice: limitHook(byDevice, 'device', (request) => request.dpop !== undefined),
  };
}

function limitHook(
  limiter: Limiter | undefined,
  limit: 'address' | 'device',
  applies: (request: FastifyRequest) => boolean,
): RateLimitHook {
  return async function rateLimitHook(request) {
    if (limiter === undefined || !applies(request)) return;
    if (UNLIMITED_PATHS.has(request.url.split('?')[0] ?? '')) return;
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    throw new DomicileError('RATE_LIMITED', {
      details: { limit, retryAfterSeconds: Math.max(1, result.ttlInSeconds) },
    });
  };
}
