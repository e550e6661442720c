import { randomBytes } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  isDomicileError,
  isSecureBaseUrl,
  type api,
  definedProps,
} from '@domicile/protocol';
import type {
  AuthorizationCheck,
  AuthorizationDecision,
  CardDetailsCheck,
  CodeDelivery,
  EligibilityRequest,
  EligibilityResult,
  IdvMethodsRequest,
  IssuerGateway,
} from '../issuer-gateway.js';
import {
  ISSUER_OPERATIONS,
  ISSUER_REQUEST_TYP,
  IssuerRefusal,
  IssuerResponses,
  type IssuerOperation,
  type IssuerRequestEnvelope,
} from './issuer-http-protocol.js';
import type { JwsSigner } from '../../keys/index.js';
import { outboundTraceHeaders } from '../../logging/index.js';

/** Options of {@link HttpIssuerGateway}. */
export interface HttpIssuerGatewayOptions {
  /** The issuer's base URL: `https://…`, or `http://` on a loopback host only (tests, sidecars). */
  readonly baseUrl: string;
  /** The region id, sent as `iss`. */
  readonly region: string;
  /** The region's signing key: every request body is a JWS by it. */
  readonly signer: JwsSigner;
  /** Per-request timeout, whole response included; default 5 s. */
  readonly timeoutMs?: number;
  /** How requests are sent; a TLS-configured fetch (`tlsFetch`) for a private CA or mutual TLS. */
  readonly fetch?: typeof fetch;
}

/**
 * An {@link IssuerGateway} for a real issuer, speaking the signed JSON protocol of
 * `issuer-http-protocol.ts`. An issuer that is slow, down or answers nonsense is
 * `ISSUER_UNAVAILABLE`; its two refusals map to `CARD_NOT_SUPPORTED` and `CARD_DETAILS_INVALID`.
 */
export class HttpIssuerGateway implements IssuerGateway {
  readonly #base: URL;
  readonly #region: string;
  readonly #signer: JwsSigner;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpIssuerGatewayOptions) {
    const base = URL.canParse(options.baseUrl)
      ? new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`)
      : undefined;
    // Card details travel in these bodies: plain HTTP is only acceptable when it never leaves the host.
    if (base === undefined || !isSecureBaseUrl(base))
      throw new DomicileError('CONFIG_INVALID', {
        details: { reason: 'issuer base URL must be https (or http on loopback)' },
      });
    this.#base = base;
    this.#region = options.region;
    this.#signer = options.signer;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async checkEligibility(req: EligibilityRequest): Promise<EligibilityResult> {
    const body = await this.#call(ISSUER_OPERATIONS.eligibility, req, IssuerResponses.eligibility);
    return {
      decision: body.decision,
      ...definedProps({ reason: body.reason }),
      product: body.product,
    };
  }

  async verifyCardDetails(req: CardDetailsCheck): Promise<void> {
    await this.#call(ISSUER_OPERATIONS.verifyCardDetails, req);
  }

  async idvMethods(req: IdvMethodsRequest): Promise<api.IdvMethod[]> {
    return (await this.#call(ISSUER_OPERATIONS.idvMethods, req, IssuerResponses.idvMethods))
      .methods;
  }

  async deliverCode(req: CodeDelivery): Promise<void> {
    await this.#call(ISSUER_OPERATIONS.deliverCode, req);
  }

  async authorize(req: AuthorizationCheck): Promise<AuthorizationDecision> {
    let body: Static<typeof IssuerResponses.authorize>;
    try {
      body = await this.#call(ISSUER_OPERATIONS.authorize, req, IssuerResponses.authorize);
    } catch (error) {
      // An issuer that refuses the card outright has not failed: it does not honour the payment.
      if (
        isDomicileError(error, 'CARD_NOT_SUPPORTED') ||
        isDomicileError(error, 'CARD_DETAILS_INVALID')
      )
        return { approved: false, reason: 'do_not_honor' };
      throw error;
    }
    return body.approved
      ? { approved: true, reason: 'approved' }
      : { approved: false, reason: body.reason };
  }

  #call(op: IssuerOperation, request: unknown): Promise<undefined>;
  #call<S extends TSchema>(op: IssuerOperation, request: unknown, schema: S): Promise<Static<S>>;
  async #call<S extends TSchema>(
    op: IssuerOperation,
    request: unknown,
    schema?: S,
  ): Promise<Static<S> | undefined> {
    const envelope: IssuerRequestEnvelope = {
      iss: this.#region,
      aud: this.#base.href,
      op,
      iat: Math.floor(Date.now() / 1000),
      jti: randomBytes(16).toString('base64url'),
      request,
    };
    const jws = await this.#signer.sign(envelope, ISSUER_REQUEST_TYP);
    let status: number;
    let json: unknown;
    try {
      const response = await this.#fetch(new URL(op, this.#base), {
        method: 'POST',
        headers: {
          'content-type': 'application/jose',
          accept: 'application/json',
          ...outboundTraceHeaders(),
        },
        body: jws,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      // Read under the same timeout: an issuer that sends headers and then stalls is still down.
      const text = await response.text();
      json = text === '' ? undefined : parseJson(text);
    } catch (cause) {
      throw unavailable({ op }, cause);
    }
    if (status >= 400 && status < 500 && Value.Check(IssuerRefusal, json)) {
      throw new DomicileError(
        json.error === 'card_not_supported' ? 'CARD_NOT_SUPPORTED' : 'CARD_DETAILS_INVALID',
      );
    }
    if (status < 200 || status > 299) throw unavailable({ op, status });
    if (schema === undefined) return undefined;
    if (status !== 200 || !Value.Check(schema, json))
      throw unavailable({ op, status, reason: 'response does not match the schema' });
    // Unknown fields are dropped: only what the schema names travels on into sessions and scripts.
    return Value.Clean(schema, Value.Clone(json));
  }
}

function unavailable(
  details: { op: string; status?: number; reason?: string },
  cause?: unknown,
): DomicileError {
  return new DomicileError('ISSUER_UNAVAILABLE', { details, ...definedProps({ cause }) });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
