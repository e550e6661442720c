import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { DomicileError, api } from '@domicile/protocol';
import { requireDevice, type AuthenticatedDevice } from '../accounts/index.js';
import {
  checkDpopProof,
  recordSingleUseId,
  type SingleUseId,
  type VerifiedDpop,
} from '../request-auth/index.js';
import type { IdempotentAnswer, IdempotentOperation, InCommit } from '../idempotency/index.js';
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
    /**
     * A state-changing device route whose handler is {@link sendIdempotent}: its DPoP proof's
     * `jti` is recorded in the commit that takes its Idempotency-Key, not in one of its own.
     * `one-commit`: a route whose step is one local transaction that stores its answer
     * ({@link answeredInCommit}; `RunOptions.oneCommit`), which then takes the key too — not for
     * a step that calls the issuer or another region, seals in the vault, or commits anything
     * before that transaction.
     */
    idempotent?: true | 'one-commit';
  }
  interface FastifyRequest {
    dpop?: VerifiedDpop;
    who?: AuthenticatedDevice;
    /** The proof's `jti` of an idempotent route, until `sendIdempotent` records it. */
    unspentJti?: SingleUseId;
  }
}

/** onRequest hook: verifies the DPoP proof against the URL the device addressed (our directory base URL). */
export function deviceAuthHook(ctx: RegionContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const auth = request.routeOptions.config.auth ?? 'none';
    if (auth === 'none' || auth === 'operator' || auth === 'region') return;
    const header = request.headers[api.HEADERS.dpop];
    const path = request.url.split('?')[0] ?? '/';
    const { singleUse, ...dpop } = await checkDpopProof({
      proof: Array.isArray(header) ? undefined : header,
      method: request.method,
      url: `${ctx.self.baseUrl}${path}`,
      now: ctx.now(),
    });
    request.dpop = dpop;
    // Before body validation, so a request missing its key says so rather than failing on a field.
    if (request.method === 'POST') idempotencyKeyOf(request);
    if (request.method === 'POST' && request.routeOptions.config.idempotent !== undefined)
      request.unspentJti = singleUse;
    // A read's proof keeps a durable commit of its own: forgotten by a power loss, it could be
    // replayed for up to 120 s after its use (60 s of age after an `iat` up to 60 s ahead,
    // `request-auth/freshness.ts`), longer than a machine may take to restart; and on SQLite the
    // read's own statements wait for the flush of any pending commit anyway (group commit).
    else await recordSingleUseId(ctx.db, singleUse);
    if (auth === 'device') request.who = await requireDevice(ctx.db, request.dpop.jkt);
    if (auth === 'device-or-lost')
      request.who = await requireDevice(ctx.db, request.dpop.jkt, { allowLost: true });
  };
}

const DEVICE_AUTH: ReadonlySet<RouteAuth | undefined> = new Set([
  'dpop',
  'device',
  'device-or-lost',
]);

/**
 * onRoute hook: a state-changing device route must be `idempotent` (its handler
 * {@link sendIdempotent}), so that every device write pays one commit for its proof and its key
 * and is run once per key. Thrown while the app is built: no region starts with such a route.
 */
export function requireIdempotentDeviceWrites(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const writes = methods.some((method) => method !== 'GET' && method !== 'HEAD');
  const config = route.config as { auth?: RouteAuth; idempotent?: unknown } | undefined;
  if (writes && DEVICE_AUTH.has(config?.auth) && config?.idempotent === undefined)
    throw new DomicileError('INTERNAL', {
      details: { reason: `device route ${route.url} changes state but is not idempotent` },
    });
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
 * and sends the answer, first or replayed. On a route marked `idempotent` the proof's `jti` is
 * recorded with the key (a replayed proof is refused there, before any effect is visible): in
 * the key's reservation, or on a `one-commit` route in the step's own transaction.
 */
export async function sendIdempotent(
  ctx: RegionContext,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: IdempotentOperation,
): Promise<FastifyReply> {
  const key = idempotencyKeyOf(request);
  const result = await ctx.idempotency.run(
    {
      scope: dpopOf(request).jkt,
      key,
      method: request.method,
      path: request.url,
      body: request.body,
      singleUse: request.unspentJti,
    },
    operation,
    { oneCommit: request.routeOptions.config.idempotent === 'one-commit' },
  );
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.code(result.status).send(result.body);
}

/**
 * The operation of a route whose domain step answers from inside its one transaction: the answer
 * is stored with the change, in one commit (`IdempotentAttempt`). A step that answers without
 * calling `inCommit` (a refusal, an answer that changes nothing) is stored after it, as before.
 */
export function answeredInCommit<T>(
  step: (inCommit: InCommit<T>) => Promise<T>,
  statusOf: (body: T) => number = () => 200,
): IdempotentOperation {
  return async (attempt) => {
    let recorded: IdempotentAnswer | undefined;
    const body = await step(async (trx, answer) => {
      recorded = { status: statusOf(answer), body: answer };
      await attempt.record(trx, recorded);
    });
    return recorded !== undefined && recorded.body === body
      ? recorded
      : { status: statusOf(body), body };
  };
}
