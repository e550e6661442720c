export {
  ABANDONED_AFTER_MS,
  IN_PROGRESS_RETRY_AFTER_SECONDS,
  IdempotencyStore,
  requestHash,
  type IdempotencyStoreOptions,
  type IdempotentAnswer,
  type IdempotentAttempt,
  type IdempotentOperation,
  type InCommit,
  type IdempotentRequest,
  type StoredResponse,
} from './idempotency-store.js';
