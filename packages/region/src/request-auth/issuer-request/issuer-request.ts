import type { Kysely } from 'kysely';
import { DomicileError, api } from '@domicile/protocol';
import type { Database } from '../../storage/index.js';
import { FRESHNESS } from '../freshness.js';
import { verifySignedRequest, type SignedRequestKind } from '../signed-request.js';
import { recordSingleUseId } from '../single-use-ids.js';
import type { TrustedIssuer, TrustedIssuers } from './trusted-issuers.js';

/** An issuer API request (docs/lifecycle.md): the body's `request` member. */
const ISSUER_REQUEST: SignedRequestKind<typeof api.IssuerRequestClaims> = {
  typ: api.ISSUER_API_TYP,
  claims: api.IssuerRequestClaims,
  freshness: FRESHNESS.issuerRequest,
  codes: {
    missing: 'ISSUER_AUTH_REQUIRED',
    invalid: 'ISSUER_AUTH_INVALID',
    expired: 'ISSUER_AUTH_EXPIRED',
    future: 'ISSUER_AUTH_EXPIRED',
    replayed: 'ISSUER_AUTH_REPLAYED',
  },
  singleUse: { kind: 'issuer', scope: (claims) => claims.iss },
};

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
 * Verifies an issuer API request (docs/lifecycle.md): a JWS by the key of a trusted issuer (found
 * by its `kid`), `typ` domicile-issuer-api+jws, in that issuer's name, for this region, this
 * method and this path, fresh by {@link FRESHNESS}.issuerRequest, and never seen before (its
 * `jti` is recorded for every node of the region). Which check failed stays in `cause`.
 */
export async function verifyIssuerRequest(
  db: Kysely<Database>,
  issuers: TrustedIssuers,
  input: IssuerRequestInput,
): Promise<VerifiedIssuerRequest> {
  const issuerOf = (kid: string | undefined): TrustedIssuer | undefined =>
    kid === undefined ? undefined : issuers.byKid(kid);
  const { claims, header, singleUse } = await verifySignedRequest(ISSUER_REQUEST, {
    token: input.request,
    key: (protectedHeader) => issuerOf(protectedHeader.kid)?.publicKey,
    audience: input.region,
    now: input.now,
  });
  const issuer = issuerOf(header.kid);
  if (issuer === undefined) throw new DomicileError('ISSUER_AUTH_INVALID');
  const mismatch =
    claims.iss !== issuer.id
      ? 'iss'
      : claims.method !== input.method
        ? 'method'
        : claims.path !== input.path
          ? 'path'
          : undefined;
  if (mismatch !== undefined)
    throw new DomicileError('ISSUER_AUTH_INVALID', { cause: `${mismatch} differs` });
  await recordSingleUseId(db, singleUse);
  return { issuer, claims };
}
