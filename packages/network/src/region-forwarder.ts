import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import {
  DomicileError,
  api,
  childSpan,
  formatTraceparent,
  signJson,
  type TraceContext,
  type Directory,
  type PrivateJwk,
  type RegionEntry,
} from '@domicile/protocol';

/** Options of {@link RegionForwarder}. */
export interface RegionForwarderOptions {
  readonly directory: Directory;
  /** This network's id, as the directory lists it: the `iss` of every request. */
  readonly network: string;
  readonly signingKey: PrivateJwk;
  /**
   * The router's connections to the regions: an undici `Agent` (keep-alive pools per region,
   * with the router's TLS client settings). Its owner closes it.
   */
  readonly regions: Dispatcher;
  /**
   * How long a region may take to start its answer, and to pause within it; default 10 s. An
   * answer is a few hundred bytes: in practice the bound of the whole answer.
   */
  readonly timeoutMs?: number;
}

/** A region's answer, passed on to the acquirer as it came: its status and its JSON text. */
export interface RegionAnswer {
  readonly region: RegionEntry;
  readonly status: number;
  /** The region's body as it sent it, checked to be a JSON object. */
  readonly json: string;
}

/** Where a region takes authorizations: its origin, and the path under its base URL. */
interface Endpoint {
  readonly origin: string;
  readonly path: string;
}

/**
 * Routes an authorization to the region that issued the token, by the token ranges of the signed
 * directory, and signs it for that region: a compact JWS (`typ` domicile-authorization+jws) with
 * `aud` the region, a fresh `jti` and `iat`, so the region knows which network asks and that no
 * one replays it. A request is sent once: the acquirer resends it, with its own `requestId`
 * carried unchanged inside `request`, to learn a decision whose answer was lost (the region
 * recognises the resend by that id, since each forward has a new `jti`).
 *
 * The hot path is one ES256 signature (node:crypto, the key imported once) and one request on a
 * kept-alive connection through undici's dispatcher API: `fetch` (WHATWG streams, a timer signal
 * per call) cost the router about three times the CPU per request.
 */
export class RegionForwarder {
  readonly #directory: Directory;
  readonly #network: string;
  readonly #key: PrivateJwk;
  readonly #regions: Dispatcher;
  readonly #timeoutMs: number;
  readonly #endpoints = new Map<string, Endpoint>();

  constructor(options: RegionForwarderOptions) {
    this.#directory = options.directory;
    this.#network = options.network;
    this.#key = options.signingKey;
    this.#regions = options.regions;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * `trace` is the acquirer's request's: the region gets it with a span of the router's own as
   * parent (W3C Trace Context), so one authorization is one trace across router and region.
   * @throws DomicileError `TOKEN_RANGE_UNKNOWN` when no region issues the token's range,
   *   `REGION_UNREACHABLE` when its region does not answer with a JSON object in time.
   */
  async forward(request: api.AuthorizationRequest, trace: TraceContext): Promise<RegionAnswer> {
    const region = this.#directory.regionForToken(request.tokenNumber);
    if (region === undefined) throw new DomicileError('TOKEN_RANGE_UNKNOWN');
    const claims: api.NetworkAuthorizationClaims = {
      iss: this.#network,
      aud: region.id,
      iat: Math.floor(Date.now() / 1000),
      // 122 random bits, drawn from Node's pool of UUID entropy: `randomBytes` called into
      // OpenSSL once per request, about 4% of the router's CPU (the bench's profiles).
      jti: randomUUID(),
      request,
    };
    const body: api.SignedAuthorization = {
      authorization: await signJson(claims, this.#key, api.AUTHORIZATION_TYP),
    };
    try {
      const { origin, path } = this.#endpoint(region);
      const response = await this.#regions.request({
        origin,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          traceparent: formatTraceparent(childSpan(trace)),
        },
        body: JSON.stringify(body),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const json = await response.body.text();
      // A region never redirects (fetch's `redirect: 'error'` before): a 3xx is not its answer.
      if (response.statusCode >= 300 && response.statusCode < 400)
        throw new Error(`status ${response.statusCode}`);
      const parsed: unknown = JSON.parse(json);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not a JSON object');
      return { region, status: response.statusCode, json };
    } catch (cause) {
      throw new DomicileError('REGION_UNREACHABLE', { details: { region: region.id }, cause });
    }
  }

  /** Parsed once per region: the directory, and with it every base URL, is fixed for the router's life. */
  #endpoint(region: RegionEntry): Endpoint {
    let endpoint = this.#endpoints.get(region.id);
    if (endpoint === undefined) {
      const url = new URL(`${region.baseUrl.replace(/\/+$/, '')}/v1/authorizations`);
      endpoint = { origin: url.origin, path: `${url.pathname}${url.search}` };
      this.#endpoints.set(region.id, endpoint);
    }
    return endpoint;
  }
}
