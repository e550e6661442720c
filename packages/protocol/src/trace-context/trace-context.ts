/**
 * A W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace a request belongs to, the
 * span that sent it, and the sampled flag. One user action of a device is one trace, through its
 * home region, the owning region and the issuer.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero: the span of the caller. */
  readonly parentId: string;
  /** 2 hex digits; bit 0 is "sampled". */
  readonly flags: string;
}

/** The `traceparent` header: version, trace-id, parent-id, flags; later versions may add fields. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;
/**
 * 13 decimal digits in a row: the shortest run a log redactor takes for a card number (a region's
 * logger masks Luhn-valid runs of 13–19 digits), which would mask a trace id in the very log lines
 * it exists to correlate. A random 32-digit hex id has such a run about once in a thousand.
 */
const CARD_LIKE_RUN = /\d{13}/;

/**
 * Reads a `traceparent` header as the specification says a receiver must: version `ff`, an
 * all-zero id or anything but lowercase hex is refused (undefined: the receiver starts a new
 * trace), and version `00` has exactly four fields.
 */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === undefined || parentId === undefined || flags === undefined) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/** Formats a context as a version-00 `traceparent` header. */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentId}-${context.flags}`;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: each `getRandomValues` is a call into
 * the platform's generator, and a region starts a trace for every request that brings none (two
 * calls each cost about 14 µs of CPU a request on a loaded bench machine). Trace ids are not
 * secrets; they stay unpredictable, from the same generator.
 */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      // Web Crypto, as everywhere in this package: a device may run it outside Node.js.
      crypto.getRandomValues(pool);
      poolOffset = 0;
    }
    let hex = '';
    for (let i = poolOffset; i < poolOffset + bytes; i++) hex += HEX[pool[i] ?? 0];
    poolOffset += bytes;
    // Drawn again, as the all-zero id is: neither is a usable trace id (see CARD_LIKE_RUN).
    if (!ALL_ZERO.test(hex) && !CARD_LIKE_RUN.test(hex)) return hex;
  }
}

/** A new trace, sampled: what a device starts for each user action, or a region for a request without one. */
export function newTrace(): TraceContext {
  return { traceId: randomHex(16), parentId: randomHex(8), flags: '01' };
}

/** The context of a call made inside `context`: the same trace, a new span as its parent. */
export function childSpan(context: TraceContext): TraceContext {
  return { ...context, parentId: randomHex(8) };
}
