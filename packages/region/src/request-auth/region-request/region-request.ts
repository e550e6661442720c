import { api, type Directory } from '@domicile/protocol';
import { FRESHNESS } from '../freshness.js';
import { regionSigningKey } from '../region-signing-key.js';
import { verifySignedRequest, type SignedRequestKind } from '../signed-request.js';
import type { SingleUseId } from '../single-use-ids.js';

/** A region-to-region request (`POST /v1/regions/lost-device`), signed by the home region. */
const REGION_REQUEST: SignedRequestKind<typeof api.LostDeviceRequestClaims> = {
  typ: api.REGION_REQUEST_TYP,
  claims: api.LostDeviceRequestClaims,
  freshness: FRESHNESS.regionRequest,
  codes: {
    invalid: 'REGION_REQUEST_INVALID',
    audience: 'REGION_REQUEST_AUDIENCE',
    expired: 'REGION_REQUEST_EXPIRED',
    replayed: 'REGION_REQUEST_REPLAYED',
  },
  singleUse: { kind: 'region', scope: (claims) => claims.iss },
};

export interface VerifiedLostDeviceRequest {
  readonly claims: api.LostDeviceRequestClaims;
  /** To be recorded with `recordSingleUseId` in the transaction that acts on the request. */
  readonly singleUse: SingleUseId;
}

/**
 * Verifies a region-to-region request received by `self`. Nothing in it is believed until the
 * signature verifies with the issuer's signing key from the signed directory; a region never
 * accepts a request in its own name. The single-use id is the caller's to record, inside the
 * transaction that acts on the request.
 */
export async function verifyLostDeviceRequest(input: {
  readonly jws: string;
  readonly directory: Directory;
  readonly self: string;
  readonly now: Date;
}): Promise<VerifiedLostDeviceRequest> {
  const { claims, singleUse } = await verifySignedRequest(REGION_REQUEST, {
    token: input.jws,
    key: regionSigningKey(input.directory, input.self, () => input.now),
    audience: input.self,
    now: input.now,
  });
  return { claims, singleUse };
}

/** A device-tokens request (`POST /v1/regions/device-tokens`): a look-up, signed like a lost-device request. */
const DEVICE_TOKENS_REQUEST: SignedRequestKind<typeof api.DeviceTokensRequestClaims> = {
  ...REGION_REQUEST,
  typ: api.DEVICE_TOKENS_REQUEST_TYP,
  claims: api.DeviceTokensRequestClaims,
};

export interface VerifiedDeviceTokensRequest {
  readonly claims: api.DeviceTokensRequestClaims;
  readonly singleUse: SingleUseId;
}

/**
 * Verifies a device-tokens request received by `self`, as {@link verifyLostDeviceRequest} does:
 * nothing in it is believed until it verifies with the signing key the directory lists for `iss`.
 */
export async function verifyDeviceTokensRequest(input: {
  readonly jws: string;
  readonly directory: Directory;
  readonly self: string;
  readonly now: Date;
}): Promise<VerifiedDeviceTokensRequest> {
  const { claims, singleUse } = await verifySignedRequest(DEVICE_TOKENS_REQUEST, {
    token: input.jws,
    key: regionSigningKey(input.directory, input.self, () => input.now),
    audience: input.self,
    now: input.now,
  });
  return { claims, singleUse };
}
