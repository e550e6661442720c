import { randomBytes } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import {
  DomicileError,
  TYP,
  api,
  encryptJson,
  signJson,
  verifyDirectory,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';
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
  /**
   * The directory authority's public key: a reissue encrypts the new card to the region's
   * encryption key from the signed directory, verified with it.
   */
  readonly authorityKey?: PublicJwk;
}

/** Filters and page of {@link IssuerApiClient.listCredentials}. */
export interface IssuerTokenFilter {
  readonly productId?: string;
  readonly state?: api.IssuerTokenView['state'];
  readonly last4?: string;
  readonly deviceId?: string;
  readonly cursor?: string;
  readonly limit?: number;
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

  /**
   * Replaces the card behind a token (a reissue): the card is encrypted to the region's key from
   * the signed directory (never sent in clear, even inside the signed request). Retry with the
   * same `idempotencyKey` to get the first answer; by default a fresh key.
   */
  async reissue(
    tokenRef: string,
    card: api.ReissuedCard,
    options: { idempotencyKey?: string; reason?: string } = {},
  ): Promise<api.IssuerReissueResponse> {
    const encrypted = await encryptJson(card, await this.regionEncryptionKey(), TYP.reissuedCard);
    return this.#send(
      'POST',
      `/v1/issuer/credentials/${enc(tokenRef)}/reissue`,
      { card: encrypted, ...(options.reason === undefined ? {} : { reason: options.reason }) },
      api.IssuerReissueResponse,
      {
        [api.HEADERS.idempotencyKey]:
          options.idempotencyKey ?? randomBytes(18).toString('base64url'),
      },
    );
  }

  /** The issuer's tokens in the region, one page (pass `nextCursor` back for the next). */
  listCredentials(filter: IssuerTokenFilter = {}): Promise<api.IssuerTokenListResponse> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filter))
      if (value !== undefined) query.set(name, String(value));
    const search = query.size === 0 ? '' : `?${query.toString()}`;
    return this.#get(`/v1/issuer/credentials${search}`, api.IssuerTokenListResponse);
  }

  /** One of the issuer's tokens. */
  getCredential(tokenRef: string): Promise<api.IssuerTokenResponse> {
    return this.#get(`/v1/issuer/credentials/${enc(tokenRef)}`, api.IssuerTokenResponse);
  }

  /** The region's current encryption key, from its signed directory (needs `authorityKey`). */
  async regionEncryptionKey(): Promise<PublicJwk> {
    const authorityKey = this.#o.authorityKey;
    if (authorityKey === undefined)
      throw new DomicileError('CONFIG_INVALID', { details: { reason: 'authorityKey is needed' } });
    const { directory } = await requestJson(
      {
        fetch: this.#o.fetch ?? fetch,
        url: `${this.#o.baseUrl}/v1/directory`,
        method: 'GET',
        headers: {},
        timeoutMs: this.#o.timeoutMs ?? 15_000,
        service: 'issuer API',
      },
      api.DirectoryResponse,
    );
    const key = (await verifyDirectory(directory, authorityKey)).key(this.#o.region, 'encryption');
    if (key === undefined)
      throw new DomicileError('DIRECTORY_INVALID', {
        details: { region: this.#o.region, role: 'encryption' },
      });
    return key;
  }

  /** The `{ request }` body of one request: a JWS over these claims, usable once. */
  async signRequest(
    method: 'POST' | 'PUT' | 'GET',
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

  /** A GET: the signed request, over the path with its query, in the issuer-request header. */
  async #get<S extends TSchema>(pathAndQuery: string, schema: S): Promise<Static<S>> {
    const { request } = await this.signRequest('GET', pathAndQuery, null);
    return requestJson(
      {
        fetch: this.#o.fetch ?? fetch,
        url: `${this.#o.baseUrl}${pathAndQuery}`,
        method: 'GET',
        headers: { [api.HEADERS.issuerRequest]: request },
        timeoutMs: this.#o.timeoutMs ?? 15_000,
        service: 'issuer API',
      },
      schema,
    );
  }

  async #send<S extends TSchema>(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    schema: S,
    headers: Record<string, string> = {},
  ): Promise<Static<S>> {
    return requestJson(
      {
        fetch: this.#o.fetch ?? fetch,
        url: `${this.#o.baseUrl}${path}`,
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(await this.signRequest(method, path, body)),
        timeoutMs: this.#o.timeoutMs ?? 15_000,
        service: 'issuer API',
      },
      schema,
    );
  }
}
