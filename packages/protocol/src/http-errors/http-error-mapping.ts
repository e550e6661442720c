import { DomicileError, isDomicileError, type ErrorCode } from '../errors/index.js';
import { SIGNING_ALG } from '../jose/index.js';

/** The parts of a fastify (or ajv) error the mapping reads; structural, so the protocol needs no fastify. */
interface HttpFrameworkError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly validationContext?: string;
  readonly validation?: readonly {
    instancePath?: string;
    keyword?: string;
    params?: Record<string, unknown>;
  }[];
}

/** Fastify's own failures, by their `code`, in Domicile's terms. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
};

/**
 * Turns anything thrown in a request into a DomicileError. Validation failures name the field
 * and the rule broken, never the value sent (it may be a card number).
 */
export function toDomicileError(error: unknown): DomicileError {
  if (isDomicileError(error)) return error;
  const fe = (typeof error === 'object' && error !== null ? error : {}) as HttpFrameworkError;
  if (fe.validation !== undefined) {
    const first = fe.validation[0];
    const missing = first?.params?.missingProperty ?? first?.params?.additionalProperty;
    const field = `${fe.validationContext ?? 'body'}${first?.instancePath ?? ''}${typeof missing === 'string' ? `/${missing}` : ''}`;
    return new DomicileError('VALIDATION_FAILED', {
      details: { field, rule: first?.keyword ?? 'schema' },
      cause: error,
    });
  }
  const mapped = typeof fe.code === 'string' ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped !== undefined) return new DomicileError(mapped, { cause: error });
  if (error instanceof SyntaxError && fe.statusCode === 400)
    return new DomicileError('MALFORMED_JSON', { cause: error });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new DomicileError(
      fe.statusCode === 404
        ? 'NOT_FOUND'
        : fe.statusCode === 405
          ? 'METHOD_NOT_ALLOWED'
          : 'VALIDATION_FAILED',
      { cause: error },
    );
  }
  return new DomicileError('INTERNAL', { cause: error });
}

/**
 * The `WWW-Authenticate` challenge that goes with a refusal, if any: a request refused for its
 * DPoP proof learns the scheme and the algorithm to use (RFC 9449 §7.1); `error` only when a
 * proof was sent (RFC 6750 §3.1: none for a request without credentials). On a route that
 * demands a DPoP proof (`dpopRoute`), every other 401 is challenged too: the proof verified but
 * does not authorize the request (an unregistered key, a redirect assertion refused), which RFC
 * 6750 §3.1 calls `invalid_token`.
 */
export function authenticateChallengeOf(
  error: DomicileError,
  options: { readonly dpopRoute?: boolean } = {},
): string | undefined {
  const algs = `algs="${SIGNING_ALG}"`;
  switch (error.code) {
    case 'DPOP_REQUIRED':
      return `DPoP ${algs}`;
    case 'DPOP_INVALID':
    case 'DPOP_REPLAYED':
      return `DPoP error="invalid_dpop_proof", error_description="${error.message}", ${algs}`;
    default:
      return options.dpopRoute === true && error.status === 401
        ? `DPoP error="invalid_token", error_description="${error.message}", ${algs}`
        : undefined;
  }
}
