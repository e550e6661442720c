import { definedProps } from '../util/index.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import type { PeerMalformedDetails } from './peer-malformed-details.js';

/** Safe, structured facts about a failure (never a secret): counts, field names, region ids. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** The wire form of an error: `{ "error": { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

/**
 * The one error class of Domicile. `code` is stable and a caller can `switch` on it; the message
 * is the fixed text of the code's row in the table, so nothing secret can reach it. Anything
 * that explains a failure further goes into `cause`, which is never serialized.
 */
export class DomicileError extends Error {
  override readonly name = 'DomicileError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(
      ERROR_CODES[code].message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...definedProps({ details: this.details }),
      },
    };
  }

  /**
   * Rebuilds an error from a peer's error answer (by default a region's). A body that is no
   * Domicile error (a proxy's error page, garbage) becomes `PEER_MALFORMED`, `what: 'error-body'`.
   */
  static fromBody(
    body: unknown,
    from: Omit<PeerMalformedDetails, 'what'> = { peer: 'region' },
  ): DomicileError {
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const err = body.error;
      if (typeof err === 'object' && err !== null && 'code' in err) {
        const code = err.code;
        if (typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)) {
          const details = (err as { details?: ErrorDetails }).details;
          return new DomicileError(code as ErrorCode, definedProps({ details }));
        }
      }
    }
    return DomicileError.peerMalformed({ ...from, what: 'error-body' });
  }

  /**
   * A `PEER_MALFORMED` error: a peer's answer that cannot be used. `cause` may say more for the
   * log (a schema path); it is never serialized, and neither is the peer's body.
   */
  static peerMalformed(details: PeerMalformedDetails, cause?: unknown): DomicileError {
    const { peer, what, region, status } = details;
    return new DomicileError('PEER_MALFORMED', {
      details: { peer, what, ...definedProps({ region, status }) },
      ...definedProps({ cause }),
    });
  }
}

export function isDomicileError(value: unknown, code?: ErrorCode): value is DomicileError {
  return value instanceof DomicileError && (code === undefined || value.code === code);
}
