import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { decodeJwt } from 'jose';
import type { Kysely } from 'kysely';
import { DomicileError, api, verifyJson, type Directory, type PublicJwk } from '@domicile/protocol';
import { isUniqueViolation, type Database } from '../storage/index.js';

/** The claims around the request: checked before the request itself, so a bad field is named. */
const Envelope = Type.Omit(api.NetworkAuthorizationClaims, ['request']);

export interface NetworkAuthorizationInput {
  /** The compact JWS the network router sent (`typ` domicile-authorization+jws). */
  readonly jws: string;
  readonly directory: Directory;
  /** This region's id: the only acceptable `aud`. */
  readonly self: string;
  readonly now: Date;
}

/**
 * A network request's single-use id, to be recorded with {@link recordNetworkJti} before the
 * request has any effect; the caller records it in the same transaction as its first write.
 */
export interface NetworkJti {
  readonly network: string;
  readonly jti: string;
  readonly expiresAt: string;
}

export interface VerifiedNetworkAuthorization {
  /** The network (directory id) that signed it. */
  readonly network: string;
  readonly request: api.AuthorizationRequest;
  readonly jti: NetworkJti;
}

/**
 * Authenticates a network router's authorization request: the issuer (`iss`) must be a network
 * the signed directory lists, the JWS must verify with that network's key, be for this region
 * and fresh. Nothing in the token is believed before the signature verifies. That it was never
 * seen before is the caller's to prove, with {@link recordNetworkJti}.
 * @throws DomicileError `NETWORK_CLIENT_UNKNOWN`, `AUTHORIZATION_SIGNATURE_INVALID`, or
 *   `VALIDATION_FAILED` naming a field of the signed request.
 */
export async function verifyNetworkAuthorization(
  input: NetworkAuthorizationInput,
): Promise<VerifiedNetworkAuthorization> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(input.jws).iss;
  } catch (cause) {
    throw new DomicileError('AUTHORIZATION_SIGNATURE_INVALID', { cause });
  }
  const network = typeof issuer === 'string' ? input.directory.network(issuer) : undefined;
  if (network === undefined) throw new DomicileError('NETWORK_CLIENT_UNKNOWN');
  // The directory schema checked the key's shape; `kid` is optional there, as in Directory.key().
  const key = network.keys.signing as PublicJwk;
  const claims = await verifyJson(
    input.jws,
    key,
    api.AUTHORIZATION_TYP,
    'AUTHORIZATION_SIGNATURE_INVALID',
  );
  if (!Value.Check(Envelope, claims))
    throw new DomicileError('AUTHORIZATION_SIGNATURE_INVALID', { cause: 'claims' });
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  if (claims.aud !== input.self)
    throw new DomicileError('AUTHORIZATION_SIGNATURE_INVALID', { cause: 'audience' });
  if (Math.abs(claims.iat - nowSeconds) > api.AUTHORIZATION_MAX_SKEW_SECONDS)
    throw new DomicileError('AUTHORIZATION_SIGNATURE_INVALID', { cause: 'iat' });
  const request = (claims as { request?: unknown }).request;
  if (!Value.Check(api.AuthorizationRequest, request)) {
    const first = Value.Errors(api.AuthorizationRequest, request).First();
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: `request${first?.path ?? ''}`, rule: 'schema' },
    });
  }
  const expiresAt = new Date(
    (claims.iat + 2 * api.AUTHORIZATION_MAX_SKEW_SECONDS) * 1000,
  ).toISOString();
  return { network: network.id, request, jti: { network: network.id, jti: claims.jti, expiresAt } };
}

/**
 * Records a network request's `jti` (the table is shared by every node of the region).
 * @throws DomicileError `AUTHORIZATION_REPLAYED` when it was recorded before.
 */
export async function recordNetworkJti(db: Kysely<Database>, jti: NetworkJti): Promise<void> {
  try {
    await db
      .insertInto('network_jtis')
      .values({ network: jti.network, jti: jti.jti, expires_at: jti.expiresAt })
      .execute();
  } catch (cause) {
    if (isUniqueViolation(cause)) throw new DomicileError('AUTHORIZATION_REPLAYED');
    throw cause;
  }
}
