export { DPOP_MAX_SKEW_SECONDS, purgeExpiredDpopJtis, verifyDpopProof, type DpopProofInput, type VerifiedDpop } from './dpop-verifier.js';
export {
  purgeExpiredNetworkJtis, recordNetworkJti, verifyNetworkAuthorization,
  type NetworkAuthorizationInput, type NetworkJti, type VerifiedNetworkAuthorization,
} from './network-verifier.js';
