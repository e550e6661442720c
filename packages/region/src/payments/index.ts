export { authorizeTransaction, type NetworkAuthorization } from './authorization-service.js';
export {
  RESPONSE_CODES,
  checkAuthorization,
  issuerResponse,
  type CheckedAuthorization,
  type TokenKey,
} from './authorization-checks.js';
export { listTransactions, recordTransaction, transactionView } from './transaction-store.js';
