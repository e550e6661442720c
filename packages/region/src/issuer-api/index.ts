export { TrustedIssuers, type TrustedIssuer } from './trusted-issuers.js';
export {
  purgeExpiredIssuerJtis, verifyIssuerRequest, type IssuerRequestInput, type VerifiedIssuerRequest,
} from './issuer-request-verifier.js';
