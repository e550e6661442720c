export {
  countVaultRecords,
  heldCredentials,
  scanDatabase,
  scanFiles,
  type ResidencyFinding,
} from './residency-scan.js';
