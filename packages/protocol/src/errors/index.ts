export { ERROR_CODES, isErrorCode, statusOf, type ErrorCode } from './error-codes.js';
export {
  DomicileError,
  isDomicileError,
  type ErrorBody,
  type ErrorDetails,
} from './domicile-error.js';
export type { PeerKind, PeerMalformation, PeerMalformedDetails } from './peer-malformed-details.js';
export { listenError } from './listen-error.js';
