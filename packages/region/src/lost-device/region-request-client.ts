import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, type Directory } from '@domicile/protocol';
import type { RegionQueryTransport, RegionTransport } from '../config/index.js';
import type { JwsSigner } from '../keys/index.js';
import {
  signLostDeviceRequest,
  verifyLostDeviceConfirmation,
  type LostDeviceAsk,
} from './region-request.js';
import { outboundTraceHeaders } from '../logging/index.js';

/** The path a region receives lost-device requests on. */
export const LOST_DEVICE_PATH = '/v1/regions/lost-device';

/**
 * The HTTP transport of a {@link RegionQueryTransport}: `POST {baseUrl}{path}` by `send` (a
 * TLS-configured fetch for a private CA or mutual TLS; by default the global one). A redirect is a
 * failure, never followed: the request goes only to the server the signed directory lists.
 */
export const httpRegionQuery =
  (send: typeof fetch = (input, init) => fetch(input, init)): RegionQueryTransport =>
  async (baseUrl, path, body, signal) => {
    const res = await send(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...outboundTraceHeaders() },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as unknown) };
  };

/** The real lost-device transport: {@link httpRegionQuery} to `/v1/regions/lost-device`. */
export const httpRegionTransport = (send?: typeof fetch): RegionTransport => {
  const query = httpRegionQuery(send);
  return (baseUrl, body, signal) => query(baseUrl, LOST_DEVICE_PATH, body, signal);
};

/**
 * Sends one signed region-to-region request to the base URL the directory lists for `target` and
 * returns the body of its 200 answer, unchecked. Throws a DomicileError: CONFIG_INVALID (no such
 * region), REGION_REQUEST_UNDELIVERED (no answer, or one that is no Domicile error), the region's
 * own code when it refused, or PEER_MALFORMED (a 500 whose body is no Domicile error).
 */
export async function exchangeWithRegion(
  directory: Directory,
  target: string,
  send: (baseUrl: string, signal: AbortSignal) => Promise<{ status: number; body: unknown }>,
  timeoutMs: number,
): Promise<unknown> {
  const region = directory.region(target);
  if (region === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'region not in the directory', region: target },
    });
  let answer: { status: number; body: unknown };
  try {
    answer = await send(region.baseUrl, AbortSignal.timeout(timeoutMs));
  } catch (cause) {
    throw new DomicileError('REGION_REQUEST_UNDELIVERED', { details: { region: target }, cause });
  }
  if (answer.status !== 200) {
    const refused = DomicileError.fromBody(answer.body, {
      peer: 'region',
      region: target,
      status: answer.status,
    });
    // A body that is no DomicileError (a proxy's error page) means the request did not get through;
    // on a 500 the region itself answered, malformed.
    throw refused.code === 'PEER_MALFORMED' && answer.status !== 500
      ? new DomicileError('REGION_REQUEST_UNDELIVERED', {
          details: { region: target, status: answer.status },
        })
      : refused;
  }
  return answer.body;
}

/** {@link httpRegionTransport} by the global fetch. */
export const fetchRegionTransport: RegionTransport = httpRegionTransport();

/** What one delivery needs: who we are, to whom, and what to ask. */
export interface DeliveryInput {
  readonly home: string;
  readonly target: string;
  readonly ask: LostDeviceAsk;
  readonly directory: Directory;
  readonly signer: JwsSigner;
  readonly transport: RegionTransport;
  readonly timeoutMs: number;
  readonly now: Date;
}

/**
 * Delivers one lost-device request: signs it afresh, sends it to the base URL the directory lists
 * for the target, and accepts only an answer the target signed for this request. Throws a
 * DomicileError on any failure: the region's own error code when it refused, otherwise
 * REGION_REQUEST_UNDELIVERED (no answer), REGION_CONFIRMATION_INVALID (an answer we cannot trust)
 * or PEER_MALFORMED (a 500 whose body is no Domicile error).
 */
export async function deliverLostDeviceRequest(
  input: DeliveryInput,
): Promise<{ confirmation: string; suspended: number }> {
  const { jws, claims } = await signLostDeviceRequest({
    ...input.ask,
    home: input.home,
    target: input.target,
    signer: input.signer,
    now: input.now,
  });
  const body = await exchangeWithRegion(
    input.directory,
    input.target,
    (baseUrl, signal) => input.transport(baseUrl, { request: jws }, signal),
    input.timeoutMs,
  );
  if (!Value.Check(api.RegionConfirmationResponse, body))
    throw new DomicileError('REGION_CONFIRMATION_INVALID', { cause: 'body' });
  const confirmation = body.confirmation;
  const confirmed = await verifyLostDeviceConfirmation({
    jws: confirmation,
    directory: input.directory,
    request: claims,
  });
  return { confirmation, suspended: confirmed.suspended };
}
