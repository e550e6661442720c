export {
  ABANDONED_AFTER_MS,
  requestHash,
  runIdempotent,
  type IdempotentRequest,
  type StoredResponse,
} from './idempotency-store.js';
