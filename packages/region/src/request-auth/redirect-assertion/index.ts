export { verifyRedirectAssertion, type VerifiedRedirectAssertion } from './redirect-assertion.js';
