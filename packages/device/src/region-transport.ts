import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  api,
  childSpan,
  definedProps,
  formatTraceparent,
  newTrace,
  type ErrorCode,
} from '@domicile/protocol';
import { randomBytes, toBase64url } from './device-bytes.js';
import { linkSignals } from './linked-signal.js';
import { currentUserAction } from './user-action-trace.js';

export { inUserAction } from './user-action-trace.js';
import { requireSecureBaseUrl } from './redirect-policy.js';
import {
  DEFAULT_RETRY,
  SYSTEM_RETRY_CLOCK,
  parseRetryAfter,
  retryDelayMs,
  type RetryClock,
  type RetryPolicy,
} from './retry-policy.js';
import type { DpopSigner } from './secure-element/index.js';

export interface RegionTransportOptions {
  readonly region: string;
  /** The region's base URL as the directory lists it (scheme and authority only). */
  readonly baseUrl: string;
  /** Signs a DPoP proof per request; without it only unauthenticated endpoints can be called. */
  readonly signer?: DpopSigner;
  readonly fetch?: typeof fetch;
  readonly retry?: Partial<RetryPolicy>;
  /** The retries' time source (tests inject one); the system clock by default. */
  readonly clock?: RetryClock;
}

/** How a transport sends and retries: what another client of the same wallet reuses. */
export type TransportSettings = Pick<RegionTransportOptions, 'fetch' | 'retry' | 'clock'>;

/** One HTTP request to a region. `query` is not part of the DPoP `htu` (RFC 9449 §4.2). */
export interface RegionRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Reused across the retries of this request; a fresh one is made when absent. */
  readonly idempotencyKey?: string;
  readonly authenticated?: boolean;
  readonly signal?: AbortSignal;
  /** A long-lived body (Server-Sent Events): the timeout covers the response headers only. */
  readonly stream?: boolean;
}

/** What one attempt came to: the answer, or a failure worth another attempt. */
type Attempt<T> =
  | { readonly done: true; readonly value: T }
  | { readonly done: false; readonly failure: DomicileError; readonly retryAfterMs?: number };

const GATEWAY_STATUSES = new Set([502, 503, 504]);
const MAX_BYTES = 2 * 1024 * 1024;

/** A new Idempotency-Key: 24 random bytes, base64url (32 characters). */
export function newIdempotencyKey(): string {
  return toBase64url(randomBytes(24));
}

/**
 * HTTP to one region: a fresh DPoP proof on every attempt, one Idempotency-Key per POST kept
 * across its retries, retries only where repeating is safe and may help (no answer, 502/503/504,
 * a request still in progress, a 429 that says when), error bodies rebuilt as DomicileError.
 */
export class RegionTransport {
  readonly region: string;
  readonly baseUrl: string;
  readonly #signer: DpopSigner | undefined;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryPolicy;
  readonly #clock: RetryClock;

  constructor(options: RegionTransportOptions) {
    requireSecureBaseUrl(options.baseUrl);
    this.region = options.region;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#signer = options.signer;
    // Bound: a browser's fetch called as a method of another object throws 'Illegal invocation'.
    this.#fetch = options.fetch ?? fetch.bind(globalThis);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#clock = options.clock ?? SYSTEM_RETRY_CLOCK;
  }

  /** This transport's fetch and retries, for another client that must behave alike. */
  get settings(): TransportSettings {
    return { fetch: this.#fetch, retry: this.#retry, clock: this.#clock };
  }

  /** Sends a request and returns the JSON answer, checked against `schema`. */
  json<S extends TSchema>(request: RegionRequest, schema: S): Promise<Static<S>> {
    return this.send(request, async (response) => {
      let body: unknown;
      try {
        body = JSON.parse(await response.text());
      } catch (cause) {
        throw DomicileError.peerMalformed(
          { peer: 'region', region: this.region, what: 'not-json' },
          cause,
        );
      }
      if (!Value.Check(schema, body)) {
        const first = Value.Errors(schema, body).First();
        throw DomicileError.peerMalformed(
          { peer: 'region', region: this.region, what: 'schema' },
          first === undefined ? undefined : `${first.path}: ${first.message}`,
        );
      }
      return body;
    });
  }

  /** Sends a request and returns the raw body, refusing bodies over 2 MiB. */
  bytes(request: RegionRequest): Promise<Uint8Array> {
    return this.send(request, async (response) => {
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > MAX_BYTES)
        throw new DomicileError('BODY_TOO_LARGE', { details: { region: this.region } });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.byteLength > MAX_BYTES)
        throw new DomicileError('BODY_TOO_LARGE', { details: { region: this.region } });
      return bytes;
    });
  }

  /**
   * Sends with retries and hands the first 2xx response to `read`, whose body it may consume
   * under the same signal (and, unless `stream`, the same timeout). Errors of `read` are not
   * retried. Every POST carries its Idempotency-Key, the same on every attempt, so a repeat after
   * a lost answer returns the first result instead of acting twice; a GET changes nothing. After
   * the retry budget, the last failure is thrown.
   */
  async send<T>(request: RegionRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const idempotencyKey =
      request.method === 'POST' ? (request.idempotencyKey ?? newIdempotencyKey()) : undefined;
    const started = this.#clock.now();
    for (let failures = 1; ; failures++) {
      const attempt = await this.#once(request, idempotencyKey, read);
      if (attempt.done) return attempt.value;
      const delay = retryDelayMs(failures, this.#retry, this.#clock.random, attempt.retryAfterMs);
      const spent = this.#clock.now() - started;
      if (failures >= this.#retry.attempts || spent + delay > this.#retry.budgetMs)
        throw attempt.failure;
      await this.#clock.sleep(delay, request.signal);
    }
  }

  async #once<T>(
    request: RegionRequest,
    idempotencyKey: string | undefined,
    read: (response: Response) => Promise<T>,
  ): Promise<Attempt<T>> {
    const link = linkSignals([request.signal], this.#retry.timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.#attempt(request, idempotencyKey, link.signal);
      } catch (cause) {
        if (request.signal?.aborted === true) throw request.signal.reason;
        if (cause instanceof DomicileError) throw cause;
        // No answer: refused, reset or timed out.
        const failure = new DomicileError('SERVICE_UNAVAILABLE', {
          details: { region: this.region, reason: 'network' },
          cause,
        });
        return { done: false, failure };
      }
      if (response.ok) {
        // A stream stays open as long as the reader wants: the timeout covered the headers only.
        if (request.stream === true) link.clearDeadline();
        return { done: true, value: await read(response) };
      }
      const error = DomicileError.fromBody(await response.json().catch(() => undefined), {
        peer: 'region',
        region: this.region,
        status: response.status,
      });
      // A gateway's or proxy's refusal carries no Domicile body: say unavailable, not malformed.
      const bare =
        (GATEWAY_STATUSES.has(response.status) || response.status === 429) &&
        error.code === 'PEER_MALFORMED';
      const failure = bare
        ? new DomicileError('SERVICE_UNAVAILABLE', {
            details: { region: this.region, status: response.status },
          })
        : error;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#clock.now());
      if (!worthRetrying(response.status, error.code, retryAfterMs)) throw failure;
      return { done: false, failure, ...definedProps({ retryAfterMs }) };
    } finally {
      link.dispose();
    }
  }

  async #attempt(
    request: RegionRequest,
    idempotencyKey: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const htu = `${this.baseUrl}${request.path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.authenticated !== false) {
      if (this.#signer === undefined) throw new DomicileError('DPOP_REQUIRED');
      headers[api.HEADERS.dpop] = await this.#signer.dpopProof(request.method, htu);
    }
    if (idempotencyKey !== undefined) headers[api.HEADERS.idempotencyKey] = idempotencyKey;
    // Outside a user action, a request is a trace of its own.
    headers.traceparent = formatTraceparent(childSpan(currentUserAction() ?? newTrace()));
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    const query =
      request.query === undefined ? '' : `?${new URLSearchParams(request.query).toString()}`;
    return this.#fetch(`${htu}${query}`, {
      method: request.method,
      headers,
      signal,
      ...definedProps({ body }),
    });
  }
}

/** Which refusals the same request may overcome, given time. */
function worthRetrying(status: number, code: ErrorCode, retryAfterMs: number | undefined): boolean {
  // The first attempt still runs, or ran on a node that died: its key is free once that is known.
  if (status === 409) return code === 'IDEMPOTENCY_IN_PROGRESS';
  // Rate limited: only a limiter that says when is worth waiting for.
  if (status === 429) return retryAfterMs !== undefined;
  // Unavailable, restarting or behind a gateway; but waiting gives a region no more token numbers.
  return GATEWAY_STATUSES.has(status) && code !== 'TOKEN_RANGE_EXHAUSTED';
}
