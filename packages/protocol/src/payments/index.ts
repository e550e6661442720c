/** Payments: EMV transaction data, ISO currency and country codes, and Domicile's CVN 18 IAD. */
export {
  cvn18DataOf,
  fromBcd,
  terminalElements,
  toBcd,
  transactionFacts,
  type TerminalElements,
  type TerminalTransaction,
  type TransactionFacts,
} from './transaction-data.js';
export {
  countryNumericOf,
  currencyOf,
  formatAmount,
  parseAmount,
  type Currency,
} from './iso-codes.js';
export {
  CVN18_DKI,
  buildIssuerApplicationData,
  parseIssuerApplicationData,
  type IssuerApplicationData,
} from './issuer-application-data.js';
export { cardArqc, type CardArqcInput } from './card-cryptogram.js';
