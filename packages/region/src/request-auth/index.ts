/**
 * Authentication of the signed requests a region receives (inbound; `issuer/` is the outbound
 * gateway to issuers): one verifier, one ledger of single-use ids, one freshness policy per kind
 * of request, and a module per kind — DPoP proofs of devices, network authorizations, issuer API
 * requests, region-to-region requests, redirect assertions, and issuers' push payloads.
 */
export { FRESHNESS, staleness, type FreshnessPolicy } from './freshness.js';
export {
  verifySignedRequest,
  type RefusalCodes,
  type RequestClaims,
  type RequestKeyResolver,
  type SignedRequestInput,
  type SignedRequestKind,
  type VerifiedSignedRequest,
} from './signed-request.js';
export {
  recordSingleUseId,
  refuseRecordedSingleUseId,
  singleUseIdRefusal,
  singleUseIdRow,
  type SingleUseId,
} from './single-use-ids.js';
export {
  checkDpopProof,
  deviceKeyThumbprint,
  embeddedDeviceKey,
  verifyDpopProof,
  type CheckedDpop,
  type DpopProofInput,
  type VerifiedDpop,
} from './dpop-proof/index.js';
export {
  verifyNetworkAuthorization,
  type NetworkAuthorizationInput,
  type VerifiedNetworkAuthorization,
} from './network-authorization/index.js';
export {
  TrustedIssuers,
  verifyIssuerRequest,
  type IssuerRequestInput,
  type TrustedIssuer,
  type VerifiedIssuerRequest,
} from './issuer-request/index.js';
export {
  verifyDeviceTokensRequest,
  verifyLostDeviceRequest,
  type VerifiedDeviceTokensRequest,
  type VerifiedLostDeviceRequest,
} from './region-request/index.js';
export {
  verifyRedirectAssertion,
  type VerifiedRedirectAssertion,
} from './redirect-assertion/index.js';
export {
  verifyPushPayload,
  type PushPayloadInput,
  type VerifiedPushPayload,
} from './push-payload/index.js';
