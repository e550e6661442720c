import type { FastifyRequest } from 'fastify';
import type { DomicileError } from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import type { RegionContext } from '../region-context.js';

/** The route a request matched, as declared (`/v1/credentials/:tokenRef/suspend`): never its raw URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** Who made a request, as far as it was authenticated when it ended. */
function actorOf(request: FastifyRequest): string {
  if (request.issuerRequest !== undefined) return `issuer:${request.issuerRequest.issuer.id}`;
  if (request.operator !== undefined) return `operator:${request.operator}`;
  if (request.who !== undefined) return `device:${request.who.device.id}`;
  return 'anonymous';
}

/**
 * preHandler of every route: an issuer or operator call is recorded (who, which route, on what)
 * before it runs, in a transaction of its own, so a call whose row cannot be written is refused
 * (`AUDIT_UNAVAILABLE`) rather than served unrecorded. What the call changes is recorded again,
 * in its own transaction, by the domain.
 */
export function auditCallHook(ctx: RegionContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const issuer = request.issuerRequest?.issuer.id;
    const operator = request.operator;
    if (issuer === undefined && operator === undefined) return;
    const params = request.params as Record<string, unknown> | undefined;
    const subject = Object.values(params ?? {}).find((v) => typeof v === 'string');
    await appendAudit(ctx.db, {
      at: ctx.now().toISOString(),
      actor: issuer === undefined ? `operator:${operator}` : `issuer:${issuer}`,
      action: issuer === undefined ? 'operator.call' : 'issuer.call',
      subject: typeof subject === 'string' ? subject : routeOf(request),
      detail: { method: request.method, route: routeOf(request) },
    });
  };
}

/**
 * Records a refused request (a 4xx answer) with its code, in a transaction of its own: whatever
 * the refused action had begun rolled back, and this row says it was asked and why it was not
 * done. The route pattern only, never the URL or body, so no card data, code, key or token.
 */
export async function auditRefusal(
  ctx: RegionContext,
  request: FastifyRequest,
  error: DomicileError,
): Promise<void> {
  await appendAudit(ctx.db, {
    at: ctx.now().toISOString(),
    actor: actorOf(request),
    action: 'request.refused',
    subject: routeOf(request),
    detail: { code: error.code, status: error.status, method: request.method },
  });
}
