import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, definedProps } from '@domicile/protocol';

/** One HTTP exchange of a client in this package. */
export interface JsonRequest {
  readonly fetch: typeof fetch;
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Names the service in `details.reason` when it cannot be reached. */
  readonly service: string;
}

/**
 * Sends one request and returns its JSON answer checked against `schema`: an unreachable service
 * is SERVICE_UNAVAILABLE, an error answer its own DomicileError, anything malformed PEER_MALFORMED.
 */
export async function requestJson<S extends TSchema>(
  request: JsonRequest,
  schema: S,
): Promise<Static<S>> {
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...definedProps({ body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (cause) {
    throw new DomicileError('SERVICE_UNAVAILABLE', { details: { reason: request.service }, cause });
  }
  let answer: unknown;
  try {
    answer = await response.json();
  } catch (cause) {
    throw DomicileError.peerMalformed({ peer: 'region', what: 'not-json' }, cause);
  }
  if (!response.ok) throw DomicileError.fromBody(answer, { peer: 'region' });
  if (!Value.Check(schema, answer)) {
    const first = Value.Errors(schema, answer).First();
    throw DomicileError.peerMalformed(
      { peer: 'region', what: 'schema' },
      first === undefined ? undefined : `${first.path}: ${first.message}`,
    );
  }
  return answer;
}
