import type { FastifyReply, FastifyRequest } from 'fastify';
import { api } from '@domicile/protocol';

/** What the wallet SDK sends beyond the CORS-safelisted headers (Fetch §CORS-safelisted). */
export const WALLET_REQUEST_HEADERS = [
  'content-type',
  api.HEADERS.dpop,
  api.HEADERS.idempotencyKey,
  api.HEADERS.lastEventId,
  'traceparent',
] as const;

/** The response headers the SDK reads that a browser hides from script unless they are exposed. */
export const WALLET_EXPOSED_HEADERS = ['retry-after', 'www-authenticate', 'x-request-id'] as const;

const METHODS = 'GET, POST';
/** How long a browser may reuse a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE = '600';

/**
 * CORS for the browser wallet (Fetch standard, CORS protocol): only for an origin in `origins`
 * (exact `scheme://host[:port]`, never a wildcard), which gets itself back in
 * `Access-Control-Allow-Origin`; any other origin gets no CORS header, so its page cannot read an
 * answer. No credentials: a device proves itself with DPoP, not with cookies. A preflight is
 * answered here, before rate limits and device authentication, which it carries nothing for.
 */
export function walletCorsHook(origins: readonly string[]) {
  const allowed = new Set(origins);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Answers differ by origin: caches must keep them apart.
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return;
    void reply.header('access-control-allow-origin', origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      await reply
        .code(204)
        .headers({
          'access-control-allow-methods': METHODS,
          'access-control-allow-headers': WALLET_REQUEST_HEADERS.join(', '),
          'access-control-max-age': PREFLIGHT_MAX_AGE,
        })
        .send();
      return;
    }
    void reply.header('access-control-expose-headers', WALLET_EXPOSED_HEADERS.join(', '));
  };
}
