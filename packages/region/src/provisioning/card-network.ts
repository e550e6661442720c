import type { CardNetwork } from '@domicile/protocol';

/**
 * The issuer identification number ranges (ISO/IEC 7812-1) each network publishes, as
 * [first, last] of the card number's leading digits.
 */
const NETWORK_RANGES: readonly (readonly [CardNetwork, string, string])[] = [
  ['visa', '4', '4'],
  ['mastercard', '51', '55'],
  ['mastercard', '2221', '2720'],
  ['amex', '34', '34'],
  ['amex', '37', '37'],
  ['unionpay', '62', '62'],
  ['unionpay', '81', '81'],
];

/**
 * The network a card number belongs to, by its leading digits; undefined for a range no network
 * Domicile knows. Read only where the card number is decrypted, in the region that owns the card:
 * the home region sees 8 digits at most and trusts no network it could not check.
 */
export function cardNetworkOf(cardNumber: string): CardNetwork | undefined {
  for (const [network, first, last] of NETWORK_RANGES) {
    const lead = cardNumber.slice(0, first.length);
    if (lead.length === first.length && lead >= first && lead <= last) return network;
  }
  return undefined;
}
