export { TrustedIssuers, type TrustedIssuer } from './trusted-issuers.js';
export {
  verifyIssuerRequest,
  type IssuerRequestInput,
  type VerifiedIssuerRequest,
} from './issuer-request-verifier.js';
