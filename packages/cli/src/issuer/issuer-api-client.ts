import { randomBytes } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, signJson, type PrivateJwk } from '@domicile/protocol';

/** Options of {@link IssuerApiClient}. */
export interface IssuerApiClientOptions {
  /** The issuer's id in the region's configuration. */
  readonly issuerId: string;
  /** The issuer's signing key; its `kid` must be the key's RFC 7638 thumbprint. */
  readonly key: PrivateJwk;
  /** The region's base URL, and its id (the audience of every request). */
  readonly baseUrl: string;
  readonly region: string;
  readonly fetch?: typeof fetch;
  /** Seconds since the epoch, for `iat`. */
  readonly now?: () => number;
}

const enc = encodeURIComponent;

/**
 * An issuer's side of a region's issuer API (docs/lifecycle.md): every request is a fresh JWS by
 * the issuer's key over the method, path and body, with a new `jti`. Answers are checked against
 * their schema; failures are DomicileErrors.
 */
export class IssuerApiClient {
  readonly #o: IssuerApiClientOptions;
  readonly #fetch: typeof fetch;

  constructor(options: IssuerApiClientOptions) {
    this.#o = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.#fetch = options.fetch ?? fetch;
  }

  changeState(
    tokenRef: string,
    action: api.LifecycleAction,
    reason: string,
  ): Promise<api.IssuerCredentialResponse> {
    return this.#send(
      'POST',
      `/v1/issuer/credentials/${enc(tokenRef)}/${action}`,
      { reason },
      api.IssuerCredentialResponse,
    );
  }

  updateArt(productId: string, art: api.CardArtSpec): Promise<api.IssuerArtResponse> {
    return this.#send(
      'PUT',
      `/v1/issuer/products/${enc(productId)}/art`,
      { art },
      api.IssuerArtResponse,
    );
  }

  /** The `{ request }` body of one request: a JWS over these claims, usable once. */
  async signRequest(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
  ): Promise<api.IssuerRequestBody> {
    const claims: api.IssuerRequestClaims = {
      iss: this.#o.issuerId,
      aud: this.#o.region,
      iat: this.#o.now?.() ?? Math.floor(Date.now() / 1000),
      jti: randomBytes(18).toString('base64url'),
      method,
      path,
      body,
    };
    return { request: await signJson(claims, this.#o.key, api.ISSUER_API_TYP) };
  }

  async #send<S extends TSchema>(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    schema: S,
  ): Promise<Static<S>> {
    const res = await this.#fetch(`${this.#o.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await this.signRequest(method, path, body)),
    });
    let answer: unknown;
    try {
      answer = await res.json();
    } catch (cause) {
      throw new DomicileError('INTERNAL', { details: { reason: 'response-not-json' }, cause });
    }
    if (!res.ok) throw DomicileError.fromBody(answer);
    if (!Value.Check(schema, answer))
      throw new DomicileError('INTERNAL', { details: { reason: 'response-schema' } });
    return answer;
  }
}
