import { DomicileError, api, definedProps } from '@domicile/protocol';
import type { RegionClient } from './region-client.js';
import type { SecureElement } from './secure-element/index.js';

/** What the join and approval steps need from the wallet. */
export interface AccountDevicesContext {
  /** The home region's client, signing with this device's key. */
  readonly home: RegionClient;
  readonly secureElement: SecureElement;
  readonly homeRegion: string;
  /** Seconds since the epoch. */
  readonly now?: () => number;
}

/** Polling of a join request that waits for a device's approval. */
export interface AwaitJoinOptions {
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/** The short code this device shows for its join request (the approving device shows the same). */
export function ownJoinCode(se: SecureElement, joinRequestId: string): Promise<string> {
  return api.joinCode(joinRequestId, se.deviceJkt);
}

/**
 * Waits for a join request by approval to leave `pending`; answers the request as it then is
 * (approved, refused, expired), or as it still is when the time is up.
 */
export async function awaitJoinDecision(
  ctx: AccountDevicesContext,
  joinRequestId: string,
  options: AwaitJoinOptions = {},
): Promise<api.JoinRequestView> {
  const signal = definedProps({ signal: options.signal });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const request = await ctx.home.joinRequest(joinRequestId, signal);
    if (request.state !== 'pending' || Date.now() >= deadline) return request;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    options.signal?.throwIfAborted();
  }
}

/**
 * Approves another device's join request from this device: the code the user read on the new
 * device must be the one this device computes from the request and the new device's key (else
 * someone else's device is asking, and nothing is signed); then this device signs an approval
 * bound to that key and code.
 * @throws DomicileError `JOIN_REQUEST_NOT_FOUND`, `JOIN_CODE_MISMATCH`, and the region's refusals.
 */
export async function approveJoinRequest(
  ctx: AccountDevicesContext,
  input: { readonly joinRequestId: string; readonly code: string; readonly deviceId: string },
  options: { signal?: AbortSignal } = {},
): Promise<api.JoinRequestView> {
  const pending = await ctx.home.joinRequests(options);
  const request = pending.find((r) => r.id === input.joinRequestId);
  if (request === undefined) throw new DomicileError('JOIN_REQUEST_NOT_FOUND');
  if (request.method !== 'approval') throw new DomicileError('JOIN_METHOD_MISMATCH');
  const code = await api.joinCode(request.id, request.deviceJkt);
  if (code !== input.code.trim()) throw new DomicileError('JOIN_CODE_MISMATCH');
  const iat = Math.floor(ctx.now?.() ?? Date.now() / 1000);
  const approval = await ctx.secureElement.signDeviceApproval({
    iss: input.deviceId,
    aud: ctx.homeRegion,
    iat,
    exp: iat + 120,
    accountId: request.accountId,
    joinRequestId: request.id,
    jkt: request.deviceJkt,
    code,
  });
  return ctx.home.decideJoin(request.id, { approval }, options);
}
