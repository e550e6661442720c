export { recordResidency, residencyOf } from './residency-index.js';
export {
  countVaultRecords,
  heldCredentials,
  scanDatabase,
  scanFiles,
  type ResidencyFinding,
} from './residency-scan.js';
