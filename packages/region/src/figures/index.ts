export { readAuthorizationCounts, type AuthorizationCount } from './authorization-figures.js';
export { utcDayStart } from './day-start.js';
export {
  DECISIONS,
  funnelStages,
  readProvisioningFunnel,
  type ProvisioningFunnel,
} from './provisioning-figures.js';
export { readQueueFigures, type QueueFigures, type QueueName } from './queue-figures.js';
export { readTokenCounts, type TokenCount } from './token-figures.js';
