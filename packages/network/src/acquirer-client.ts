import { DomicileError, type api } from '@domicile/protocol';

/** Options of {@link sendAuthorization}. */
export interface SendAuthorizationOptions {
  /** The network router's base URL. */
  readonly routerUrl: string;
  readonly request: api.AuthorizationRequest;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/**
 * What a merchant's acquirer does with an authorization request: sends it to the card network's
 * router and reads the answer. A decline is an answer (`approved: false`); an error (unknown
 * token range, unreachable region, malformed request) is thrown as its DomicileError; an answer
 * that is neither is `PEER_MALFORMED`.
 */
export async function sendAuthorization(
  options: SendAuthorizationOptions,
): Promise<api.AuthorizationResponse> {
  let status: number;
  let body: unknown;
  try {
    const response = await (options.fetch ?? fetch)(
      `${options.routerUrl.replace(/\/+$/, '')}/v1/authorizations`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(options.request),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      },
    );
    status = response.status;
    body = await response.json();
  } catch (cause) {
    throw new DomicileError('SERVICE_UNAVAILABLE', {
      details: { reason: 'network router' },
      cause,
    });
  }
  if (status !== 200) throw DomicileError.fromBody(body, { peer: 'network-router', status });
  const answer = body as Partial<api.AuthorizationResponse> | null;
  if (
    typeof answer?.approved !== 'boolean' ||
    typeof answer.reason !== 'string' ||
    typeof answer.authorizationId !== 'string'
  ) {
    throw DomicileError.peerMalformed({ peer: 'network-router', what: 'schema' });
  }
  return answer as api.AuthorizationResponse;
}
