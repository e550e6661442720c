import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomicileError, api } from '@domicile/protocol';
import { requireDevice, type AuthenticatedDevice } from '../accounts/index.js';
import { verifyDpopProof, type VerifiedDpop } from '../request-auth/index.js';
import type { RegionContext } from '../region-context.js';

/**
 * Which proof a route demands: none, a DPoP proof by any key, or one by a key registered here
 * (`device`: of a device not reported lost; `device-or-lost`: even of a lost one, only to read
 * the push notifications that tell it its tokens are suspended); `operator` (a bearer operator
 * token) and `region` (a request signed by another region, in the body) are checked by their own
 * routes' hooks and domain, not here.
 */
export type RouteAuth = 'none' | 'dpop' | 'device' | 'device-or-lost' | 'operator' | 'region';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    dpop?: VerifiedDpop;
    who?: AuthenticatedDevice;
  }
}

/** onRequest hook: verifies the DPoP proof against the URL the device addressed (our directory base URL). */
export function deviceAuthHook(ctx: RegionContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const auth = request.routeOptions.config.auth ?? 'none';
    if (auth === 'none' || auth === 'operator' || auth === 'region') return;
    const header = request.headers[api.HEADERS.dpop];
    const path = request.url.split('?')[0] ?? '/';
    request.dpop = await verifyDpopProof(ctx.db, {
      proof: Array.isArray(header) ? undefined : header,
      method: request.method,
      url: `${ctx.self.baseUrl}${path}`,
      now: ctx.now(),
    });
    // Before body validation, so a request missing its key says so rather than failing on a field.
    if (request.method === 'POST') idempotencyKeyOf(request);
    if (auth === 'device') request.who = await requireDevice(ctx.db, request.dpop.jkt);
    if (auth === 'device-or-lost')
      request.who = await requireDevice(ctx.db, request.dpop.jkt, { allowLost: true });
  };
}

export function dpopOf(request: FastifyRequest): VerifiedDpop {
  if (request.dpop === undefined) throw new DomicileError('DPOP_REQUIRED');
  return request.dpop;
}

export function deviceOf(request: FastifyRequest): AuthenticatedDevice {
  if (request.who === undefined) throw new DomicileError('DEVICE_UNKNOWN');
  return request.who;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,128}$/;

export function idempotencyKeyOf(request: FastifyRequest): string {
  const key = request.headers[api.HEADERS.idempotencyKey];
  if (typeof key !== 'string' || key === '') throw new DomicileError('IDEMPOTENCY_KEY_REQUIRED');
  if (!IDEMPOTENCY_KEY.test(key))
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: 'headers/idempotency-key', rule: 'pattern' },
    });
  return key;
}

/**
 * Runs a state-changing device request exactly once per Idempotency-Key (DESIGN: Exactly once)
 * and sends the answer, first or replayed.
 */
export async function sendIdempotent(
  ctx: RegionContext,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: () => Promise<{ status: number; body: unknown }>,
): Promise<FastifyReply> {
  const key = idempotencyKeyOf(request);
  const result = await ctx.idempotency.run(
    {
      scope: dpopOf(request).jkt,
      key,
      method: request.method,
      path: request.url,
      body: request.body,
    },
    operation,
  );
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.code(result.status).send(result.body);
}
