export { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';
export {
  DPOP_PROOF,
  verifyDpopProof,
  type DpopProofInput,
  type VerifiedDpop,
} from './dpop-proof.js';
export { htuMatches, normalizeHtu } from './htu.js';
