import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';
import { DomicileError, TYP, type ErrorCode, definedProps } from '@domicile/protocol';

/** A request as a fake region sees it, after the DPoP check. */
export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: unknown;
  /** Thumbprint of the DPoP key, undefined for a request without a proof. */
  readonly jkt: string | undefined;
  readonly signal: AbortSignal | undefined;
}

export type FakeHandler = (req: FakeRequest) => Promise<Response>;

/** What a test can make the network do to the next matching request. */
export type Fault = 'network' | 502 | 503;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

export function errorResponse(
  code: ErrorCode,
  details?: Record<string, number | string>,
): Response {
  const e = new DomicileError(code, definedProps({ details }));
  return json(e.status, e.toBody());
}

/**
 * Routes `fetch` to in-process fake regions by origin, checks DPoP proofs as a region does
 * (RFC 9449 §4.3: typ, alg, signature by the embedded key, htm, htu, fresh iat, unused jti), and
 * lets a test inject faults and see every request that went out.
 */
export class FakeNetwork {
  readonly #regions = new Map<string, FakeHandler>();
  readonly #faults: { match: (url: URL, method: string) => boolean; fault: Fault }[] = [];
  readonly #jtis = new Set<string>();
  readonly log: {
    method: string;
    url: string;
    idempotencyKey: string | null;
    body: string | undefined;
  }[] = [];

  add(baseUrl: string, handler: FakeHandler): void {
    this.#regions.set(new URL(baseUrl).origin, handler);
  }

  /** The next request matching makes the network fail this way (once per call). */
  fail(match: (url: URL, method: string) => boolean, fault: Fault): void {
    this.#faults.push({ match, fault });
  }

  readonly fetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    // As fetch does: an already-aborted signal rejects at once.
    if (init.signal?.aborted === true) throw init.signal.reason;
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const bodyText = typeof init.body === 'string' ? init.body : undefined;
    this.log.push({
      method,
      url: url.toString(),
      idempotencyKey: headers.get('idempotency-key'),
      body: bodyText,
    });
    const faultIndex = this.#faults.findIndex((f) => f.match(url, method));
    const fault = faultIndex === -1 ? undefined : this.#faults.splice(faultIndex, 1)[0]?.fault;
    if (fault === 'network') throw new TypeError('fetch failed');
    if (fault !== undefined) return new Response('bad gateway', { status: fault });
    const handler = this.#regions.get(url.origin);
    if (handler === undefined) throw new TypeError('fetch failed: no such host');
    const proof = headers.get('dpop');
    let jkt: string | undefined;
    if (proof !== null) {
      const checked = await this.#checkProof(proof, method, `${url.origin}${url.pathname}`);
      if (checked instanceof Response) return checked;
      jkt = checked;
    }
    const body: unknown = bodyText === undefined ? undefined : JSON.parse(bodyText);
    return handler({ method, url, headers, body, jkt, signal: init.signal ?? undefined });
  };

  async #checkProof(proof: string, htm: string, htu: string): Promise<string | Response> {
    try {
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
        typ: TYP.dpop,
        algorithms: ['ES256'],
      });
      if (payload.htm !== htm || payload.htu !== htu) return errorResponse('DPOP_INVALID');
      if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > 60)
        return errorResponse('DPOP_INVALID');
      if (typeof payload.jti !== 'string' || this.#jtis.has(payload.jti))
        return errorResponse('DPOP_REPLAYED');
      this.#jtis.add(payload.jti);
      return await calculateJwkThumbprint(protectedHeader.jwk ?? {}, 'sha256');
    } catch {
      return errorResponse('DPOP_INVALID');
    }
  }
}
