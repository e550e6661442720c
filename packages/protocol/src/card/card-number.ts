import { isLuhnValid } from './luhn.js';

/** The routing prefix a device may reveal in clear: at most the first 8 digits (DESIGN: Residency). */
export function routingPrefixOf(cardNumber: string, digits = 8): string {
  return cardNumber.slice(0, Math.min(8, Math.max(6, digits)));
}

export function last4Of(cardNumber: string): string {
  return cardNumber.slice(-4);
}

/** `•••• 4242`: the only form in which a card or token number may appear in output. */
export function maskCardNumber(number: string): string {
  return `•••• ${number.slice(-4)}`;
}

export function isCardNumber(value: string): boolean {
  return /^\d{13,19}$/.test(value) && isLuhnValid(value);
}

/** MM/YY expiry; `now` is injectable so tests pin the clock. */
export function isExpired(expiry: { month: number; year: number }, now = new Date()): boolean {
  const year = expiry.year < 100 ? 2000 + expiry.year : expiry.year;
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  return year < y || (year === y && expiry.month < m);
}

export type CardNetwork = 'visa' | 'mastercard' | 'unionpay' | 'amex';
export const CARD_NETWORKS: readonly CardNetwork[] = ['visa', 'mastercard', 'unionpay', 'amex'];
