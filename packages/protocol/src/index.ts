/**
 * @domicile/protocol — what a region and a device must agree on: error codes, card-number rules,
 * the signed region directory, the JOSE profile and the wire schemas of the HTTP API.
 */
export * as api from './api/index.js';
export {
  CARD_NETWORKS, PREFIX_DIGITS, highBound, isCardNumber, isExpired, isLuhnValid, isValidRange, last4Of,
  lowBound, luhnCheckDigit, maskCardNumber, rangeCovers, rangeTouches, rangesOverlap, routingPrefixOf,
  withLuhnCheckDigit, type CardNetwork, type PrefixRange,
} from './card/index.js';
export {
  Directory, DirectoryDocumentSchema, PrefixRangeSchema, PublicJwkSchema, RegionEntrySchema, RegionIdSchema,
  RegionsConfigSchema, buildDirectoryDocument, directoryProblems, parseRegionsConfig, signDirectory,
  verifyDirectory, type CardRoute, type DirectoryDocument, type KeyRole, type RegionsConfig,
  type RegionEntry,
} from './directory/index.js';
export { NetworkEntrySchema, NetworkIdSchema, type NetworkEntry } from './directory/index.js';
export {
  CONTENT_ENCRYPTION, KEY_AGREEMENT_ALG, SIGNING_ALG, TYP, decryptText, encryptJson, generateKeyPairJwk,
  importKey, isPublicP256Jwk, jwkThumbprint, peekHeader, signJson, toPublicJwk, verifyJson,
  type JWK, type KeyPairJwk, type KeyUse, type PrivateJwk, type PublicJwk,
} from './jose/index.js';
export {
  DomicileError, ERROR_CODES, isDomicileError, isErrorCode, statusOf, toDomicileError,
  type ErrorBody, type ErrorCode, type ErrorDetails,
} from './errors/index.js';
export {
  CVN18_TAGS, adjustOddParity, arpc, arpcMethod1, arpcMethod2, arqc, arqcFromTags, atcBytes, commonSessionKey,
  commonSessionKeyFromR, cryptogramsEqual, cvn18SessionKey, cvn18TransactionData, hasOddParity, hexToBytes, iccMasterKey,
  keyCheckValue, padMethod2, retailMac, toCvn18Data, verifyArqc,
  type ArpcInput, type ArpcMethod2Input, type ArqcInput, type CommonSessionKeyInput, type Cvn18Data, type Cvn18Tag,
  type IccMasterKeyInput,
} from './emv/index.js';
export {
  CVN18_DKI, buildIssuerApplicationData, cardArqc, countryNumericOf, currencyOf, cvn18DataOf, formatAmount, fromBcd,
  parseAmount, parseIssuerApplicationData, terminalElements, toBcd, transactionFacts,
  type CardArqcInput, type Currency, type IssuerApplicationData, type TerminalElements, type TerminalTransaction, type TransactionFacts,
} from './payments/index.js';
