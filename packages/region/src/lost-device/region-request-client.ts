import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, type Directory } from '@domicile/protocol';
import type { RegionTransport } from '../config/index.js';
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
 * The real transport: `POST {baseUrl}/v1/regions/lost-device` over HTTP(S), by `send` (a
 * TLS-configured fetch for a private CA or mutual TLS; by default the global one). A redirect is a
 * failure, never followed: the request goes only to the server the signed directory lists.
 */
export const httpRegionTransport =
  (send: typeof fetch = (input, init) => fetch(input, init)): RegionTransport =>
  async (baseUrl, body, signal) => {
    const res = await send(`${baseUrl}${LOST_DEVICE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...outboundTraceHeaders() },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as unknown) };
  };

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
  const target = input.directory.region(input.target);
  if (target === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'region not in the directory', region: input.target },
    });
  const { jws, claims } = await signLostDeviceRequest({
    ...input.ask,
    home: input.home,
    target: input.target,
    signer: input.signer,
    now: input.now,
  });
  let answer: { status: number; body: unknown };
  try {
    answer = await input.transport(
      target.baseUrl,
      { request: jws },
      AbortSignal.timeout(input.timeoutMs),
    );
  } catch (cause) {
    throw new DomicileError('REGION_REQUEST_UNDELIVERED', {
      details: { region: input.target },
      cause,
    });
  }
  if (answer.status !== 200) {
    const refused = DomicileError.fromBody(answer.body, {
      peer: 'region',
      region: input.target,
      status: answer.status,
    });
    // A body that is no DomicileError (a proxy's error page) means the request did not get through;
    // on a 500 the region itself answered, malformed.
    throw refused.code === 'PEER_MALFORMED' && answer.status !== 500
      ? new DomicileError('REGION_REQUEST_UNDELIVERED', {
          details: { region: input.target, status: answer.status },
        })
      : refused;
  }
  if (!Value.Check(api.RegionConfirmationResponse, answer.body))
    throw new DomicileError('REGION_CONFIRMATION_INVALID', { cause: 'body' });
  const confirmation = answer.body.confirmation;
  const confirmed = await verifyLostDeviceConfirmation({
    jws: confirmation,
    directory: input.directory,
    request: claims,
  });
  return { confirmation, suspended: confirmed.suspended };
}
