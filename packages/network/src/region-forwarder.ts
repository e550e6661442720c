import { randomBytes } from 'node:crypto';
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
  readonly fetch?: typeof fetch;
  /** Per-request timeout, whole answer included; default 10 s. */
  readonly timeoutMs?: number;
}

/** A region's answer, passed on to the acquirer as it came: its status and its JSON body. */
export interface RegionAnswer {
  readonly region: RegionEntry;
  readonly status: number;
  readonly body: unknown;
}

/**
 * Routes an authorization to the region that issued the token, by the token ranges of the signed
 * directory, and signs it for that region: a compact JWS (`typ` domicile-authorization+jws) with
 * `aud` the region, a fresh `jti` and `iat`, so the region knows which network asks and that no
 * one replays it. A request is sent once: the acquirer resends it, with its own `requestId`
 * carried unchanged inside `request`, to learn a decision whose answer was lost (the region
 * recognises the resend by that id, since each forward has a new `jti`).
 */
export class RegionForwarder {
  readonly #directory: Directory;
  readonly #network: string;
  readonly #key: PrivateJwk;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: RegionForwarderOptions) {
    this.#directory = options.directory;
    this.#network = options.network;
    this.#key = options.signingKey;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * `trace` is the acquirer's request's: the region gets it with a span of the router's own as
   * parent (W3C Trace Context), so one authorization is one trace across router and region.
   * @throws DomicileError `TOKEN_RANGE_UNKNOWN` when no region issues the token's range,
   *   `REGION_UNREACHABLE` when its region does not answer with JSON in time.
   */
  async forward(request: api.AuthorizationRequest, trace: TraceContext): Promise<RegionAnswer> {
    const region = this.#directory.regionForToken(request.tokenNumber);
    if (region === undefined) throw new DomicileError('TOKEN_RANGE_UNKNOWN');
    const claims: api.NetworkAuthorizationClaims = {
      iss: this.#network,
      aud: region.id,
      iat: Math.floor(Date.now() / 1000),
      jti: randomBytes(18).toString('base64url'),
      request,
    };
    const body: api.SignedAuthorization = {
      authorization: await signJson(claims, this.#key, api.AUTHORIZATION_TYP),
    };
    try {
      const response = await this.#fetch(`${region.baseUrl}/v1/authorizations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          traceparent: formatTraceparent(childSpan(trace)),
        },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = await response.text();
      const json: unknown = JSON.parse(text);
      if (typeof json !== 'object' || json === null) throw new Error('not a JSON object');
      return { region, status: response.status, body: json };
    } catch (cause) {
      throw new DomicileError('REGION_UNREACHABLE', { details: { region: region.id }, cause });
    }
  }
}
