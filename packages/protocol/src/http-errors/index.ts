export { authenticateChallengeOf, toDomicileError } from './http-error-mapping.js';
