import type { FastifyRequest } from 'fastify';
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api } from '@domicile/protocol';
import { verifyIssuerRequest, type VerifiedIssuerRequest } from '../request-auth/index.js';
import type { RegionContext } from '../region-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    issuerRequest?: VerifiedIssuerRequest;
  }
}

/**
 * preValidation hook of the issuer API: the body's `request` must be a JWS by a trusted issuer
 * for this very method and path (docs/lifecycle.md). Runs before the body schema, so a caller
 * without issuer credentials (a device with its DPoP proof, say) hears `ISSUER_AUTH_REQUIRED`,
 * not which field it missed.
 */
export function issuerAuthHook(ctx: RegionContext) {
  return async (request: FastifyRequest): Promise<void> => {
    request.issuerRequest = await verifyIssuerRequest(ctx.db, ctx.trustedIssuers, {
      request: signedRequestOf(request),
      method: request.method,
      // A GET has no body: its query is what it asks, so the signature covers it, as sent.
      path: request.method === 'GET' ? request.url : (request.url.split('?')[0] ?? '/'),
      region: ctx.self.id,
      now: ctx.now(),
    });
  };
}

/** The JWS of an issuer request: the body's `request`, or on a GET the issuer-request header. */
function signedRequestOf(request: FastifyRequest): string | undefined {
  if (request.method === 'GET') {
    const header = request.headers[api.HEADERS.issuerRequest];
    return typeof header === 'string' && header !== '' ? header : undefined;
  }
  const body = request.body as { request?: unknown } | null | undefined;
  return typeof body?.request === 'string' ? body.request : undefined;
}

/** The verified issuer request of a route behind {@link issuerAuthHook}, its signed body checked against `schema`. */
export function issuerRequestOf<S extends TSchema>(
  request: FastifyRequest,
  schema: S,
): VerifiedIssuerRequest & { body: Static<S> } {
  const verified = request.issuerRequest;
  if (verified === undefined) throw new DomicileError('ISSUER_AUTH_REQUIRED');
  const body: unknown = verified.claims.body;
  if (!Value.Check(schema, body)) {
    const first = Value.Errors(schema, body).First();
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: `request/body${first?.path ?? ''}`, rule: 'schema' },
    });
  }
  return { ...verified, body };
}
