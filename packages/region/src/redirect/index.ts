export {
  ASSERTION_LIFETIME_SECONDS,
  issueRedirectAssertion,
  pairwisePseudonym,
  type IssueAssertionInput,
} from './redirect-assertion.js';
