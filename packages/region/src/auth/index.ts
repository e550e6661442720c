export { DPOP_MAX_SKEW_SECONDS, purgeExpiredDpopJtis, verifyDpopProof, type DpopProofInput, type VerifiedDpop } from './dpop-verifier.js';
export { purgeExpiredNetworkJtis, verifyNetworkAuthorization, type NetworkAuthorizationInput } from './network-verifier.js';
