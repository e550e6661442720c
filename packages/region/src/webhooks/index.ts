export { enqueueTokenEvent, webhookEventColumn, type TokenEventInput } from './webhook-events.js';
export { WebhookWorker, type WebhookWorkerOptions } from './webhook-worker.js';
export { retryDelayMs, type RetryDelayPolicy } from '../workers/retry-delay.js';
