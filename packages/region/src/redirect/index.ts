export {
  ASSERTION_LIFETIME_SECONDS,
  issueRedirectAssertion,
  pairwisePseudonym,
  type IssueAssertionInput,
} from './redirect-assertion.js';
export { issueRedirect } from './redirect-issuance.js';
