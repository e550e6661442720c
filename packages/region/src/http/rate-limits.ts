import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomicileError } from '@domicile/protocol';
import type { RateLimitConfig } from '../config/index.js';

/** Health probes and metrics scrapes come from a balancer's or collector's one address, often. */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
/** An async onRequest hook: it resolves to let the request on, or throws RATE_LIMITED. */
export type RateLimitHook = (request: FastifyRequest) => Promise<void>;

/**
 * Operator console sign-ins per client address and minute, whatever the configuration (and in
 * tests too): enough for a few mistyped tokens, far too few to guess one.
 */
export const CONSOLE_SIGN_IN_LIMIT = { max: 10, windowMs: 60_000 } as const;

/**
 * The limiter hooks of {@link RateLimitConfig} (none: they limit nothing), built on `@fastify/rate-limit`'s counters (its
 * in-memory store). A refusal is `RATE_LIMITED` (429) with `Retry-After` (the error handler
 * writes it from `details.retryAfterSeconds`); its body never repeats what the request carried.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  config: RateLimitConfig | undefined,
): Promise<{ byAddress: RateLimitHook; byDevice: RateLimitHook }> {
  // Registered even without a configuration: the console's sign-in limit needs it.
  await app.register(rateLimit, { global: false });
  const window = { timeWindow: config?.windowMs ?? 0 };
  const byAddress =
    config !== undefined && config.perAddress > 0
      ? app.createRateLimit({
          ...window,
          max: config.perAddress,
          keyGenerator: (request) => `address:${request.ip}`,
        })
      : undefined;
  const byDevice =
    config !== undefined && config.perDevice > 0
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

/**
 * The hook that limits console sign-ins ({@link CONSOLE_SIGN_IN_LIMIT}) per client address, for
 * the console's routes; `app` is the app {@link registerRateLimits} ran on, or one of its plugins.
 */
export function consoleSignInLimit(app: FastifyInstance): RateLimitHook {
  const limiter = app.createRateLimit({
    timeWindow: CONSOLE_SIGN_IN_LIMIT.windowMs,
    max: CONSOLE_SIGN_IN_LIMIT.max,
    keyGenerator: (request) => `console-sign-in:${request.ip}`,
  });
  return limitHook(limiter, 'sign_in', () => true);
}

function limitHook(
  limiter: Limiter | undefined,
  limit: 'address' | 'device' | 'sign_in',
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
