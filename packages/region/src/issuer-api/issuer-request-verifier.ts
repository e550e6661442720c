import type { Kysely } from 'kysely';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api, peekHeader, verifyJson } from '@domicile/protocol';
import { isUniqueViolation, type Database } from '../storage/index.js';
import type { TrustedIssuer, TrustedIssuers } from './trusted-issuers.js';

/** What an issuer API request must be, as the region received it. */
export interface IssuerRequestInput {
  /** The compact JWS of the body's `request` member; undefined when there is none. */
  readonly request: string | undefined;
  readonly method: string;
  /** The path addressed, without query. */
  readonly path: string;
  /** This region's id: the only audience accepted. */
  readonly region: string;
  readonly now: Date;
}

/** A request that verified: who sent it and what it asks (`claims.body`, still to be validated). */
export interface VerifiedIssuerRequest {
  readonly issuer: TrustedIssuer;
  readonly claims: api.IssuerRequestClaims;
}

/**
 * Verifies an issuer API request (docs/lifecycle.md): a JWS by the key of a trusted issuer, `typ`
 * domicile-issuer-api+jws, for this region, this method and this path, issued within
 * {@link api.ISSUER_API_MAX_AGE_SECONDS}, and never seen before (its `jti` is recorded for every
 * node of the region). Which check failed stays in `cause`.
 */
export async function verifyIssuerRequest(
  db: Kysely<Database>,
  issuers: TrustedIssuers,
  input: IssuerRequestInput,
): Promise<VerifiedIssuerRequest> {
  if (input.request === undefined || input.request === '')
    throw new DomicileError('ISSUER_AUTH_REQUIRED');
  const kid = peekHeader(input.request)?.kid;
  const issuer = kid === undefined ? undefined : issuers.byKid(kid);
  if (issuer === undefined)
    throw new DomicileError('ISSUER_AUTH_INVALID', { cause: 'no trusted issuer has this kid' });
  const claims = await verifyJson(
    input.request,
    issuer.publicKey,
    api.ISSUER_API_TYP,
    'ISSUER_AUTH_INVALID',
  );
  if (!Value.Check(api.IssuerRequestClaims, claims))
    throw new DomicileError('ISSUER_AUTH_INVALID', { cause: 'claims schema' });
  const mismatch =
    claims.iss !== issuer.id
      ? 'iss'
      : claims.aud !== input.region
        ? 'aud'
        : claims.method !== input.method
          ? 'method'
          : claims.path !== input.path
            ? 'path'
            : undefined;
  if (mismatch !== undefined)
    throw new DomicileError('ISSUER_AUTH_INVALID', { cause: `${mismatch} differs` });
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  if (Math.abs(claims.iat - nowSeconds) > api.ISSUER_API_MAX_AGE_SECONDS)
    throw new DomicileError('ISSUER_AUTH_EXPIRED');
  // Kept until a request with this iat could no longer pass the age check anyway.
  const expires = new Date(
    (Math.max(claims.iat, nowSeconds) + api.ISSUER_API_MAX_AGE_SECONDS + 1) * 1000,
  ).toISOString();
  try {
    await db
      .insertInto('issuer_api_jtis')
      .values({ issuer_id: issuer.id, jti: claims.jti, expires_at: expires })
      .execute();
  } catch (cause) {
    if (isUniqueViolation(cause)) throw new DomicileError('ISSUER_AUTH_REPLAYED');
    throw cause;
  }
  return { issuer, claims };
}
