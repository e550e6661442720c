export {
  rewrapProgress,
  vaultKekUsage,
  vaultRecordsUnder,
  type KekUsage,
  type RewrapProgress,
} from './kek-usage.js';
export { registerRewrapMetrics } from './rewrap-metrics.js';
export { retireVaultKek } from './retire-vault-kek.js';
export { rewrapBatch, type RewrapBatch, type RewrapPosition } from './rewrap-batch.js';
export { VaultRewrapWorker, type VaultRewrapWorkerOptions } from './vault-rewrap-worker.js';
