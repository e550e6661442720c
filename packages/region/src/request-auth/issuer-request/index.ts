export {
  verifyIssuerRequest,
  type IssuerRequestInput,
  type VerifiedIssuerRequest,
} from './issuer-request.js';
export { TrustedIssuers, type TrustedIssuer } from './trusted-issuers.js';
