import { randomBytes } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { api, signJson, type PrivateJwk } from '@domicile/protocol';
import { requestJson } from './json-request.js';

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
  /** Per request; default 15 s. */
  readonly timeoutMs?: number;
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

  constructor(options: IssuerApiClientOptions) {
    this.#o = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
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
    return requestJson(
      {
        fetch: this.#o.fetch ?? fetch,
        url: `${this.#o.baseUrl}${path}`,
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(await this.signRequest(method, path, body)),
        timeoutMs: this.#o.timeoutMs ?? 15_000,
        service: 'issuer API',
      },
      schema,
    );
  }
}
