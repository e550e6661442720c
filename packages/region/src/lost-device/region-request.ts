import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { decodeJwt } from 'jose';
import {
  DomicileError,
  api,
  signJson,
  verifyJson,
  type Directory,
  type ErrorCode,
  type PrivateJwk,
} from '@domicile/protocol';

/** How long a request we sign lives: one delivery attempt, with room for clock skew. */
export const REGION_REQUEST_LIFETIME_SECONDS = 120;
/** How far a peer's `iat` may run ahead of our clock. */
const MAX_SKEW_SECONDS = 60;

const newJti = (): string => randomBytes(18).toString('base64url');

/** What the home region asks one other region to suspend. */
export interface LostDeviceAsk {
  readonly reportId: string;
  readonly pseudonym: string;
  readonly deviceJkt: string;
}

/**
 * Signs a lost-device request from `home` to `target` with the home region's signing key
 * (the key the directory lists for it). Signed afresh for every attempt, with a new `jti`.
 */
export async function signLostDeviceRequest(
  input: LostDeviceAsk & {
    readonly home: string;
    readonly target: string;
    readonly key: PrivateJwk;
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
  };
  return { jws: await signJson(claims, input.key, api.REGION_REQUEST_TYP), claims };
}

/**
 * Verifies a region-to-region request received by `self`. Nothing in it is believed until the
 * signature verifies with the issuer's signing key from the signed directory; a region never
 * accepts a request in its own name. The single-use check (`jti`) is the caller's, inside the
 * transaction that acts on it.
 */
export async function verifyLostDeviceRequest(input: {
  readonly jws: string;
  readonly directory: Directory;
  readonly self: string;
  readonly now: Date;
}): Promise<api.LostDeviceRequestClaims> {
  const claims = await verifySignedBy(
    input.jws,
    input.directory,
    input.self,
    api.REGION_REQUEST_TYP,
    'REGION_REQUEST_INVALID',
  );
  if (!Value.Check(api.LostDeviceRequestClaims, claims))
    throw new DomicileError('REGION_REQUEST_INVALID', { cause: 'claims' });
  if (claims.aud !== input.self) throw new DomicileError('REGION_REQUEST_AUDIENCE');
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  if (claims.exp <= nowSeconds) throw new DomicileError('REGION_REQUEST_EXPIRED');
  if (
    claims.exp - claims.iat > api.REGION_REQUEST_MAX_AGE_SECONDS ||
    claims.iat > nowSeconds + MAX_SKEW_SECONDS
  ) {
    throw new DomicileError('REGION_REQUEST_INVALID', { cause: 'lifetime' });
  }
  return claims;
}

/** The target's answer: how many credentials it suspended for the report, bound to the request. */
export async function signLostDeviceConfirmation(input: {
  readonly request: api.LostDeviceRequestClaims;
  readonly suspended: number;
  readonly key: PrivateJwk;
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
  return signJson(claims, input.key, api.REGION_CONFIRMATION_TYP);
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
  const claims = await verifySignedBy(
    input.jws,
    input.directory,
    request.iss,
    api.REGION_CONFIRMATION_TYP,
    'REGION_CONFIRMATION_INVALID',
  );
  const fail = (why: string): never => {
    throw new DomicileError('REGION_CONFIRMATION_INVALID', { cause: why });
  };
  if (!Value.Check(api.LostDeviceConfirmationClaims, claims)) return fail('claims');
  if (claims.iss !== request.aud || claims.aud !== request.iss) fail('parties');
  if (claims.requestJti !== request.jti || claims.reportId !== request.reportId)
    fail('not the answer to this request');
  return claims;
}

/** Verifies a JWS by the signing key the directory lists for its (claimed) issuer, never `self`. */
async function verifySignedBy(
  jws: string,
  directory: Directory,
  self: string,
  typ: string,
  failCode: ErrorCode,
): Promise<unknown> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(jws).iss;
  } catch (cause) {
    throw new DomicileError(failCode, { cause });
  }
  const key =
    typeof issuer === 'string' && issuer !== self ? directory.key(issuer, 'signing') : undefined;
  if (key === undefined) throw new DomicileError(failCode, { cause: 'issuer not in directory' });
  return verifyJson(jws, key, typ, failCode);
}
