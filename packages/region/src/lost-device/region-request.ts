import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, peekHeader, verifyJson, type Directory } from '@domicile/protocol';
import type { JwsSigner } from '../keys/index.js';

/** How long a request we sign lives: one delivery attempt, with room for clock skew. */
export const REGION_REQUEST_LIFETIME_SECONDS = 120;

const newJti = (): string => randomBytes(18).toString('base64url');

/** What the home region asks one other region to suspend. */
export interface LostDeviceAsk {
  readonly reportId: string;
  readonly pseudonym: string;
  readonly deviceJkt: string;
  /** Absent: suspend (a lost device). */
  readonly action?: api.DeviceReportAction;
}

/**
 * Signs a lost-device request from `home` to `target` with the home region's signing key
 * (the key the directory lists for it). Signed afresh for every attempt, with a new `jti`.
 */
export async function signLostDeviceRequest(
  input: LostDeviceAsk & {
    readonly home: string;
    readonly target: string;
    readonly signer: JwsSigner;
    readonly now: Date;
  },
): Promise<{ jws: string; claims: api.LostDeviceRequestClaims }> {
  const iat = Math.floor(input.now.getTime() / 1000);
  const claims: api.LostDeviceRequestClaims = {
    iss: input.home,
    aud: input.target,
    iat,
    exp: iat + REGION_REQUEST_LIFETIME_SECONDS,
    jti: newJti(),
    reportId: input.reportId,
    pseudonym: input.pseudonym,
    deviceJkt: input.deviceJkt,
    ...(input.action === undefined ? {} : { action: input.action }),
  };
  return { jws: await input.signer.sign(claims, api.REGION_REQUEST_TYP), claims };
}

/** The target's answer: how many credentials it suspended for the report, bound to the request. */
export async function signLostDeviceConfirmation(input: {
  readonly request: api.LostDeviceRequestClaims;
  readonly suspended: number;
  readonly signer: JwsSigner;
  readonly now: Date;
}): Promise<string> {
  const claims: api.LostDeviceConfirmationClaims = {
    iss: input.request.aud,
    aud: input.request.iss,
    iat: Math.floor(input.now.getTime() / 1000),
    jti: newJti(),
    reportId: input.request.reportId,
    requestJti: input.request.jti,
    suspended: input.suspended,
  };
  return input.signer.sign(claims, api.REGION_CONFIRMATION_TYP);
}

/**
 * Verifies, in the home region, the answer to a request it sent: signed by the target's
 * directory key, addressed to us, and about this very request (`requestJti`) and report.
 */
export async function verifyLostDeviceConfirmation(input: {
  readonly jws: string;
  readonly directory: Directory;
  readonly request: api.LostDeviceRequestClaims;
}): Promise<api.LostDeviceConfirmationClaims> {
  const { request } = input;
  const fail = (why: string): never => {
    throw new DomicileError('REGION_CONFIRMATION_INVALID', { cause: why });
  };
  // Only the region asked can answer: its key, never one the answer itself names.
  // By the answer's kid among the keys the directory lists for the region asked (not yet expired).
  const key =
    input.directory.keyById(request.aud, 'signing', peekHeader(input.jws)?.kid) ??
    fail('key not in directory');
  const claims = await verifyJson(
    input.jws,
    key,
    api.REGION_CONFIRMATION_TYP,
    'REGION_CONFIRMATION_INVALID',
  );
  if (!Value.Check(api.LostDeviceConfirmationClaims, claims)) return fail('claims');
  if (claims.iss !== request.aud || claims.aud !== request.iss) fail('parties');
  if (claims.requestJti !== request.jti || claims.reportId !== request.reportId)
    fail('not the answer to this request');
  return claims;
}
