export { PolledWorker } from './polled-worker.js';
export { PollingLoop, type PollingLoopOptions } from './polling-loop.js';
export { backoffMs, retryDelayMs, type RetryDelayPolicy } from './retry-delay.js';
