import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, peekHeader, verifyJson, type Directory } from '@domicile/protocol';
import type { RegionQueryTransport } from '../config/index.js';
import type { JwsSigner } from '../keys/index.js';
import { exchangeWithRegion } from '../lost-device/index.js';

/** The path a region answers device-tokens requests on. */
export const DEVICE_TOKENS_PATH = '/v1/regions/device-tokens';

/** How long a request lives: one attempt, with room for clock skew (a look-up is never retried late). */
const REQUEST_LIFETIME_SECONDS = 120;

const newJti = (): string => randomBytes(18).toString('base64url');

/** The target's answer: the tokens, signed by it and bound to the request by `requestJti`. */
export async function signDeviceTokensAnswer(input: {
  readonly request: api.DeviceTokensRequestClaims;
  readonly tokens: readonly api.SupportTokenView[];
  readonly signer: JwsSigner;
  readonly now: Date;
}): Promise<string> {
  const claims: api.DeviceTokensAnswerClaims = {
    iss: input.request.aud,
    aud: input.request.iss,
    iat: Math.floor(input.now.getTime() / 1000),
    jti: newJti(),
    requestJti: input.request.jti,
    tokens: [...input.tokens],
  };
  return input.signer.sign(claims, api.DEVICE_TOKENS_ANSWER_TYP);
}

/** What the home region asks one other region. */
export interface DeviceTokensAsk {
  readonly home: string;
  readonly target: string;
  readonly pseudonym: string;
  readonly deviceJkt: string;
  readonly directory: Directory;
  readonly signer: JwsSigner;
  readonly transport: RegionQueryTransport;
  readonly timeoutMs: number;
  readonly now: Date;
}

/**
 * Asks one region which tokens the guest `pseudonym` holds on the device `deviceJkt`: a request
 * signed by the home region, sent to the base URL the directory lists, answered by a JWS the
 * target signed for this very request. Only tokens of the region that signed are believed.
 * Throws a DomicileError: the target's own code when it refused, REGION_REQUEST_UNDELIVERED (no
 * usable answer) or REGION_CONFIRMATION_INVALID (an answer we cannot trust).
 */
export async function askDeviceTokens(ask: DeviceTokensAsk): Promise<api.SupportTokenView[]> {
  const iat = Math.floor(ask.now.getTime() / 1000);
  const claims: api.DeviceTokensRequestClaims = {
    iss: ask.home,
    aud: ask.target,
    iat,
    exp: iat + REQUEST_LIFETIME_SECONDS,
    jti: newJti(),
    pseudonym: ask.pseudonym,
    deviceJkt: ask.deviceJkt,
  };
  const jws = await ask.signer.sign(claims, api.DEVICE_TOKENS_REQUEST_TYP);
  const body = await exchangeWithRegion(
    ask.directory,
    ask.target,
    (baseUrl, signal) => ask.transport(baseUrl, DEVICE_TOKENS_PATH, { request: jws }, signal),
    ask.timeoutMs,
  );
  if (!Value.Check(api.DeviceTokensAnswerResponse, body))
    throw new DomicileError('REGION_CONFIRMATION_INVALID', { cause: 'body' });
  return verifyAnswer(body.answer, ask.directory, claims);
}

async function verifyAnswer(
  jws: string,
  directory: Directory,
  request: api.DeviceTokensRequestClaims,
): Promise<api.SupportTokenView[]> {
  const fail = (why: string): never => {
    throw new DomicileError('REGION_CONFIRMATION_INVALID', { cause: why });
  };
  // Only the region asked can answer: one of its keys the directory lists, never a key the answer names.
  const key =
    directory.keyById(request.aud, 'signing', peekHeader(jws)?.kid) ?? fail('key not in directory');
  const claims = await verifyJson(
    jws,
    key,
    api.DEVICE_TOKENS_ANSWER_TYP,
    'REGION_CONFIRMATION_INVALID',
  );
  if (!Value.Check(api.DeviceTokensAnswerClaims, claims)) return fail('claims');
  if (claims.iss !== request.aud || claims.aud !== request.iss) fail('parties');
  if (claims.requestJti !== request.jti) fail('not the answer to this request');
  if (claims.tokens.some((t) => t.region !== request.aud)) fail('tokens of another region');
  return claims.tokens;
}
