export { BODY_LIMIT_BYTES, buildRegionApp, type RegionAppOptions } from './region-app.js';
export { auditRefusal } from './audit-hooks.js';
export { durableAnswers, durableFetch } from './durable-output.js';
export {
  checkOperatorTokenHashes,
  operatorTokenHash,
  verifyOperatorToken,
} from './operator-auth.js';
export { CONSOLE_SIGN_IN_LIMIT, consoleSignInLimit, type RateLimitHook } from './rate-limits.js';
