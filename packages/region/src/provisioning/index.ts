export { receiveProvisioningMessage } from './provisioning-message.js';
export {
  acceptTerms,
  checkEligibility,
  getSession,
  parseCardJson,
  receiveCardDetails,
  termsHash,
} from './session-steps.js';
export {
  OTP_LIFETIME_MS,
  OTP_TRIES,
  selectIdvMethod,
  verifyIdvCode,
} from './identity-verification.js';
export { receivePushPayload } from './push-payload-step.js';
export { tokenize } from './tokenize.js';
export { cardNetworkOf } from './card-network.js';
export { deriveTokenMasterKey } from './token-keys.js';
export { drawTokenNumber } from './token-number.js';
export { sweepExpiredSessions } from './session-sweeper.js';
