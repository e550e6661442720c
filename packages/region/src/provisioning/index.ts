export { receiveProvisioningMessage, type MessageOutcome } from './provisioning-message.js';
export { acceptTerms, checkEligibility, receiveCardDetails, termsHash } from './session-steps.js';
export {
  OTP_LIFETIME_MS,
  OTP_TRIES,
  selectIdvMethod,
  verifyIdvCode,
} from './identity-verification.js';
export { credentialView, tokenize } from './tokenize.js';
export { SESSION_LIFETIME_MS, loadSession, sessionView } from './session-store.js';
export { drawTokenNumber } from './token-number.js';
