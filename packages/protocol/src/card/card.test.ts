import { describe, expect, it } from 'vitest';
import {
  isCardNumber,
  isExpired,
  isLuhnValid,
  maskCardNumber,
  rangeCovers,
  rangeTouches,
  routingPrefixOf,
  withLuhnCheckDigit,
} from './index.js';

describe('Luhn', () => {
  it('accepts published valid numbers and rejects one-digit changes', () => {
    // Well-known network test numbers (Visa, Mastercard, Amex, UnionPay).
    for (const n of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '6200000000000005',
    ]) {
      expect(isLuhnValid(n), n).toBe(true);
      const changed = n.slice(0, 5) + String((Number(n[5]) + 1) % 10) + n.slice(6);
      expect(isLuhnValid(changed), changed).toBe(false);
    }
  });
  it('computes the check digit', () => {
    expect(withLuhnCheckDigit('411111111111111')).toBe('4111111111111111');
    expect(withLuhnCheckDigit('7992739871')).toBe('79927398713');
  });
  it('refuses non-digits and short strings', () => {
    expect(isLuhnValid('4111-1111')).toBe(false);
    expect(isCardNumber('79927398713')).toBe(false);
  });
});

describe('prefix ranges', () => {
  const visaUs = { from: '400000', to: '449999' };
  it('covers prefixes of 6 to 8 digits inside the range', () => {
    expect(rangeCovers(visaUs, '41111111')).toBe(true);
    expect(rangeCovers(visaUs, '449999')).toBe(true);
    expect(rangeCovers(visaUs, '450000')).toBe(false);
  });
  it('tells a short prefix that straddles a boundary from one inside', () => {
    expect(rangeTouches({ from: '44990000', to: '44999999' }, '4499')).toBe(true);
    expect(rangeCovers({ from: '44990000', to: '44999999' }, '449')).toBe(false);
  });
});

describe('card number helpers', () => {
  it('reveals at most 8 digits as routing prefix and masks to last 4', () => {
    expect(routingPrefixOf('4111111111111111')).toBe('41111111');
    expect(routingPrefixOf('4111111111111111', 6)).toBe('411111');
    expect(maskCardNumber('4111111111111111')).toBe('•••• 1111');
  });
  it('knows expiry by month', () => {
    const now = new Date(Date.UTC(2026, 10, 26));
    expect(isExpired({ month: 11, year: 2026 }, now)).toBe(false);
    expect(isExpired({ month: 10, year: 2026 }, now)).toBe(true);
    expect(isExpired({ month: 1, year: 30 }, now)).toBe(false);
  });
});
