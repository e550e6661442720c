export { isLuhnValid, luhnCheckDigit, withLuhnCheckDigit } from './luhn.js';
export {
  PREFIX_DIGITS,
  highBound,
  isValidRange,
  lowBound,
  rangeCovers,
  rangeTouches,
  rangesOverlap,
  type PrefixRange,
} from './prefix-range.js';
export {
  CARD_NETWORKS,
  isCardNumber,
  isExpired,
  last4Of,
  maskCardNumber,
  routingPrefixOf,
  type CardNetwork,
} from './card-number.js';
