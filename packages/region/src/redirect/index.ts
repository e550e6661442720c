export {
  ASSERTION_LIFETIME_SECONDS,
  issueRedirectAssertion,
  pairwisePseudonym,
  verifyRedirectAssertion,
  type IssueAssertionInput,
} from './redirect-assertion.js';
