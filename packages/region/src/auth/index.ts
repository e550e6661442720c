export { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';
export {
  DPOP_MAX_SKEW_SECONDS,
  verifyDpopProof,
  type DpopProofInput,
  type VerifiedDpop,
} from './dpop-verifier.js';
export {
  recordNetworkJti,
  verifyNetworkAuthorization,
  type NetworkAuthorizationInput,
  type NetworkJti,
  type VerifiedNetworkAuthorization,
} from './network-verifier.js';
