import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, definedProps } from '@domicile/protocol';
import { linkSignals } from './linked-signal.js';
import type { DpopSigner } from './secure-element/index.js';

/** Bounded retries with exponential backoff, and a per-attempt timeout. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  timeoutMs: 15_000,
};

export interface RegionTransportOptions {
  readonly region: string;
  /** The region's base URL as the directory lists it (scheme and authority only). */
  readonly baseUrl: string;
  /** Signs a DPoP proof per request; without it only unauthenticated endpoints can be called. */
  readonly signer?: DpopSigner;
  readonly fetch?: typeof fetch;
  readonly retry?: Partial<RetryPolicy>;
}

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

const RETRY_STATUSES = new Set([502, 503, 504]);
const MAX_BYTES = 2 * 1024 * 1024;

/** A new Idempotency-Key: 24 random bytes, base64url (32 characters). */
export function newIdempotencyKey(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * HTTP to one region: a fresh DPoP proof on every attempt, one Idempotency-Key per POST kept
 * across its retries, retries only where repeating is safe (network errors, 502/503/504, a
 * request still in progress), error bodies rebuilt as DomicileError.
 */
export class RegionTransport {
  readonly region: string;
  readonly baseUrl: string;
  readonly #signer: DpopSigner | undefined;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryPolicy;

  constructor(options: RegionTransportOptions) {
    this.region = options.region;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#signer = options.signer;
    this.#fetch = options.fetch ?? fetch;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
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
   * under the same signal (and, unless `stream`, the same timeout). Errors of `read` are not retried.
   */
  async send<T>(request: RegionRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const idempotencyKey =
      request.method === 'POST' ? (request.idempotencyKey ?? newIdempotencyKey()) : undefined;
    let failure: unknown;
    for (let attempt = 0; attempt < this.#retry.attempts; attempt++) {
      if (attempt > 0) {
        const backoff = Math.min(
          this.#retry.maxDelayMs,
          this.#retry.baseDelayMs * 2 ** (attempt - 1),
        );
        await sleep(
          backoff / 2 + Math.random() * (backoff / 2),
          undefined,
          definedProps({ signal: request.signal }),
        );
      }
      const link = linkSignals([request.signal], this.#retry.timeoutMs);
      try {
        let response: Response;
        try {
          response = await this.#attempt(request, idempotencyKey, link.signal);
        } catch (cause) {
          if (request.signal?.aborted === true) throw request.signal.reason;
          if (cause instanceof DomicileError) throw cause;
          failure = new DomicileError('SERVICE_UNAVAILABLE', {
            details: { region: this.region, reason: 'network' },
            cause,
          });
          continue;
        }
        if (response.ok) {
          // A stream stays open as long as the reader wants: the timeout covered the headers only.
          if (request.stream === true) link.clearDeadline();
          return await read(response);
        }
        const error = DomicileError.fromBody(await response.json().catch(() => undefined), {
          peer: 'region',
          region: this.region,
          status: response.status,
        });
        // A gateway's 502/503/504 carries no Domicile body: say unavailable rather than malformed.
        const bare = RETRY_STATUSES.has(response.status) && error.code === 'PEER_MALFORMED';
        failure = bare
          ? new DomicileError('SERVICE_UNAVAILABLE', {
              details: { region: this.region, status: response.status },
            })
          : error;
        if (!RETRY_STATUSES.has(response.status) && error.code !== 'IDEMPOTENCY_IN_PROGRESS')
          throw failure;
      } finally {
        link.dispose();
      }
    }
    throw failure;
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
