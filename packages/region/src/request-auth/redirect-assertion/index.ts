export {
  REDIRECT_ASSERTION,
  verifyRedirectAssertion,
  type VerifiedRedirectAssertion,
} from './redirect-assertion.js';
