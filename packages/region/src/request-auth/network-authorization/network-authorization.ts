import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DomicileError, api, type Directory } from '@domicile/protocol';
import { FRESHNESS } from '../freshness.js';
import {
  verifySignedRequest,
  type RequestKeyResolver,
  type SignedRequestKind,
} from '../signed-request.js';
import type { SingleUseId } from '../single-use-ids.js';

/** The claims around the request: checked before the request itself, so a bad field is named. */
const Envelope = Type.Omit(api.NetworkAuthorizationClaims, ['request']);

/** The request's schema, compiled once: a check costs a quarter of interpreting it (`Value.Check`). */
const authorizationRequest = TypeCompiler.Compile(api.AuthorizationRequest);

/** A network router's authorization request (`POST /v1/authorizations`). */
const NETWORK_AUTHORIZATION: SignedRequestKind<typeof Envelope> = {
  typ: api.AUTHORIZATION_TYP,
  claims: Envelope,
  freshness: FRESHNESS.networkAuthorization,
  codes: {
    invalid: 'AUTHORIZATION_SIGNATURE_INVALID',
    unknownKey: 'NETWORK_CLIENT_UNKNOWN',
    replayed: 'AUTHORIZATION_REPLAYED',
  },
  singleUse: { kind: 'network', scope: (claims) => claims.iss },
};

export interface NetworkAuthorizationInput {
  /** The compact JWS the network router sent (`typ` domicile-authorization+jws). */
  readonly jws: string;
  readonly directory: Directory;
  /** This region's id: the only acceptable `aud`. */
  readonly self: string;
  readonly now: Date;
}

export interface VerifiedNetworkAuthorization {
  /** The network (directory id) that signed it. */
  readonly network: string;
  readonly request: api.AuthorizationRequest;
  /** To be recorded with `recordSingleUseId` in the transaction of the request's first write. */
  readonly singleUse: SingleUseId;
}

/** The signing key the directory lists for the network named by `iss`. */
function networkKey(directory: Directory): RequestKeyResolver {
  return (_header, claims) => {
    const network = typeof claims.iss === 'string' ? directory.network(claims.iss) : undefined;
    // The directory schema checked the key's shape; the verifier checks it is a P-256 point.
    return network?.keys.signing;
  };
}

/**
 * Authenticates a network router's authorization request: the issuer (`iss`) must be a network
 * the signed directory lists, the JWS must verify with that network's key, be for this region
 * and fresh. That it was never seen before is the caller's to prove, by recording `singleUse`.
 * @throws DomicileError `NETWORK_CLIENT_UNKNOWN`, `AUTHORIZATION_SIGNATURE_INVALID`, or
 *   `VALIDATION_FAILED` naming a field of the signed request.
 */
export async function verifyNetworkAuthorization(
  input: NetworkAuthorizationInput,
): Promise<VerifiedNetworkAuthorization> {
  const { claims, singleUse } = await verifySignedRequest(NETWORK_AUTHORIZATION, {
    token: input.jws,
    key: networkKey(input.directory),
    audience: input.self,
    now: input.now,
  });
  const request = (claims as { request?: unknown }).request;
  if (!authorizationRequest.Check(request)) {
    const first = authorizationRequest.Errors(request).First();
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: `request${first?.path ?? ''}`, rule: 'schema' },
    });
  }
  return { network: claims.iss, request, singleUse };
}
