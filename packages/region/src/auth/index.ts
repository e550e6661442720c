export { DPOP_MAX_SKEW_SECONDS, purgeExpiredDpopJtis, verifyDpopProof, type DpopProofInput, type VerifiedDpop } from './dpop-verifier.js';
