export { enqueueTokenEvent, webhookEventColumn, type TokenEventInput } from './webhook-events.js';
export { WebhookWorker, type WebhookWorkerOptions } from './webhook-worker.js';
