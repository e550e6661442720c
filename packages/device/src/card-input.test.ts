import { describe, expect, it } from 'vitest';
import { withLuhnCheckDigit } from '@domicile/protocol';
import { networkOf, parseCardInput } from './card-input.js';
import { thrown } from './testing/thrown.js';

const NOW = new Date('2026-01-15T00:00:00Z');

describe('networkOf', () => {
  it.each([
    ['4111111111111111', 'visa'],
    ['5105105105105100', 'mastercard'],
    ['2221000000000009', 'mastercard'],
    ['2720990000000000', 'mastercard'],
    ['6212345678901232', 'unionpay'],
    ['341111111111111', 'amex'],
    ['371449635398431', 'amex'],
    ['2720999999999999', 'mastercard'],
  ])('%s is %s', (pan, network) => {
    expect(networkOf(pan)).toBe(network);
  });

  it.each([
    '2220990000000000',
    '2721000000000000',
    '5612345678901234',
    '6011000000000004',
    '3530111333300000',
  ])('%s is none we serve', (pan) => {
    expect(networkOf(pan)).toBeUndefined();
  });
});

describe('parseCardInput', () => {
  const pan = withLuhnCheckDigit('621234567890123');

  it('normalises the number and the MM/YY expiry', () => {
    const { details, network } = parseCardInput(
      { pan: `${pan.slice(0, 4)} ${pan.slice(4)}`, expiry: '09/29', cvv: '123', name: ' Li Wei ' },
      NOW,
    );
    expect(network).toBe('unionpay');
    expect(details).toEqual({ pan, expiry: { month: 9, year: 2029 }, cvv: '123', name: 'Li Wei' });
  });

  it.each<[string, Partial<Parameters<typeof parseCardInput>[0]>, string]>([
    ['a number failing Luhn', { pan: '6212345678901234' }, 'pan'],
    ['an expired card', { expiry: '12/25' }, 'expiry'],
    ['a month 13', { expiry: '13/29' }, 'expiry'],
    ['a 4-digit CVV on a non-Amex card', { cvv: '1234' }, 'cvv'],
    ['an empty name', { name: '  ' }, 'name'],
  ])('refuses %s, naming only the field', (_name, change, field) => {
    const run = (): unknown =>
      parseCardInput({ pan, expiry: '09/29', cvv: '123', name: 'Li Wei', ...change }, NOW);
    expect(thrown(run)).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
  });

  it('refuses a network no region serves', () => {
    expect(
      thrown(() =>
        parseCardInput({ pan: '6011000000000004', expiry: '09/29', cvv: '123', name: 'A' }, NOW),
      ),
    ).toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
  });
});
