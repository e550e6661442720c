import type { FastifyError } from 'fastify';
import { DomicileError, isDomicileError, type ErrorCode } from '@domicile/protocol';

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
};

/**
 * Anything thrown while routing, as a DomicileError. A validation failure names the field and
 * the rule, never the value: it may be a token number.
 */
export function toRouterError(error: unknown): DomicileError {
  if (isDomicileError(error)) return error;
  const fe = error as Partial<FastifyError> & { validation?: { instancePath?: string; keyword?: string; params?: Record<string, unknown> }[] };
  if (Array.isArray(fe.validation)) {
    const first = fe.validation[0];
    const missing = first?.params?.missingProperty ?? first?.params?.additionalProperty;
    const field = `${fe.validationContext ?? 'body'}${first?.instancePath ?? ''}${typeof missing === 'string' ? `/${missing}` : ''}`;
    return new DomicileError('VALIDATION_FAILED', { details: { field, rule: first?.keyword ?? 'schema' }, cause: error });
  }
  const mapped = typeof fe.code === 'string' ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped !== undefined) return new DomicileError(mapped, { cause: error });
  if (error instanceof SyntaxError && fe.statusCode === 400) return new DomicileError('MALFORMED_JSON', { cause: error });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new DomicileError(fe.statusCode === 404 ? 'NOT_FOUND' : fe.statusCode === 405 ? 'METHOD_NOT_ALLOWED' : 'VALIDATION_FAILED', { cause: error });
  }
  return new DomicileError('INTERNAL', { cause: error });
}
