export { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';
export {
  checkDpopProof,
  verifyDpopProof,
  type CheckedDpop,
  type DpopProofInput,
  type VerifiedDpop,
} from './dpop-proof.js';
