export { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';
export { verifyDpopProof, type DpopProofInput, type VerifiedDpop } from './dpop-proof.js';
