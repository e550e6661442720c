import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AuthorizationRequest } from '../api/authorizations.js';
import { arqc, iccMasterKey, verifyArqc } from '../emv/index.js';
import {
  buildIssuerApplicationData,
  cardArqc,
  countryNumericOf,
  currencyOf,
  cvn18DataOf,
  formatAmount,
  parseAmount,
  parseIssuerApplicationData,
  terminalElements,
  transactionFacts,
} from './index.js';

const IMK = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const TX = {
  amountMinor: 1234,
  currency: '840',
  country: '840',
  date: '2025-03-07',
  unpredictableNumber: 'a1b2c3d4',
};

describe('terminal transaction data', () => {
  it('encodes amount, currency, country, date and type as EMV BCD and reads them back', () => {
    const elements = terminalElements({ ...TX, type: 9, otherAmountMinor: 500 });
    expect(elements).toEqual({
      '9F02': '000000001234',
      '9F03': '000000000500',
      '9F1A': '0840',
      '95': '0000000000',
      '5F2A': '0840',
      '9A': '250307',
      '9C': '09',
      '9F37': 'A1B2C3D4',
    });
    const emv = {
      ...elements,
      '82': '1800',
      '9F36': '002A',
      '9F10': buildIssuerApplicationData('in_store'),
    };
    expect(transactionFacts(emv)).toEqual({
      amountMinor: 1234,
      otherAmountMinor: 500,
      currency: '840',
      country: '840',
      date: '2025-03-07',
      type: 9,
      atc: 42,
    });
  });

  it('refuses values that do not fit their element, naming the element only', () => {
    for (const bad of [
      { amountMinor: 10 ** 12 },
      { amountMinor: -1 },
      { amountMinor: 1.5 },
      { date: '2025-13-40' },
      { date: '2025-02-30' },
      { unpredictableNumber: 'zz' },
      { country: '8400' },
      { currency: 'USD' },
    ]) {
      expect(() => terminalElements({ ...TX, ...bad })).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error,
      );
    }
    expect(() =>
      transactionFacts({
        ...terminalElements(TX),
        '9F02': '0000000012A4',
        '82': '1800',
        '9F36': '0001',
        '9F10': '06',
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: { field: '9F02', expected: 'BCD digits' },
      }) as Error,
    );
  });

  it("gives a cryptogram that covers every element: the card's ARQC from its ICC master key verifies, a changed amount does not", () => {
    const emv = {
      ...terminalElements(TX),
      '82': '1800',
      '9F36': '0007',
      '9F10': buildIssuerApplicationData('in_app'),
    };
    const key = { imk: IMK, pan: '4890001234567890', psn: '00', cvn: 18 as const, atc: 7 };
    const cryptogram = arqc({ ...key, data: cvn18DataOf(emv) });
    expect(cardArqc({ iccMasterKey: iccMasterKey(key), atc: 7, data: cvn18DataOf(emv) })).toEqual(
      cryptogram,
    );
    expect(verifyArqc({ ...key, data: cvn18DataOf(emv), arqc: cryptogram })).toBe(true);
    const tampered = { ...emv, '9F02': '000000009999' };
    expect(verifyArqc({ ...key, data: cvn18DataOf(tampered), arqc: cryptogram })).toBe(false);
    const request = {
      tokenNumber: key.pan,
      tokenExpiry: { month: 1, year: 2030 },
      panSequenceNumber: '00',
      cvn: 18,
      arqc: cryptogram.toString('hex'),
      emv,
      channel: 'in_app',
      merchant: { id: 'm-1', name: 'Corner Shop' },
    };
    expect(Value.Check(AuthorizationRequest, request)).toBe(true);
  });
});

describe('issuer application data', () => {
  it('is a 23-byte Visa CVN 18 IAD that carries the channel in its issuer-discretionary data', () => {
    const iad = buildIssuerApplicationData('in_store');
    expect(iad).toMatch(/^06011203A000000FD101[0]{26}$/);
    expect(parseIssuerApplicationData(iad)).toEqual({
      cvn: 0x12,
      dki: 1,
      cvr: '03A00000',
      channel: 'in_store',
    });
    expect(parseIssuerApplicationData(buildIssuerApplicationData('in_app'))?.channel).toBe(
      'in_app',
    );
  });

  it("reads no channel from an IAD without Domicile's IDD, and nothing from a non-Visa one", () => {
    expect(parseIssuerApplicationData('06011203A00000')).toEqual({
      cvn: 0x12,
      dki: 1,
      cvr: '03A00000',
      channel: undefined,
    });
    expect(
      parseIssuerApplicationData('06011203A000000FD1' + '09' + '0'.repeat(26))?.channel,
    ).toBeUndefined();
    expect(parseIssuerApplicationData('0F0102')).toBeUndefined();
  });
});

describe('ISO codes and amounts', () => {
  it('finds currencies and countries by alpha or numeric code', () => {
    expect(currencyOf('usd')).toEqual({ alpha: 'USD', numeric: '840', exponent: 2 });
    expect(currencyOf('392').exponent).toBe(0);
    expect(currencyOf('999')).toEqual({ alpha: '999', numeric: '999', exponent: 2 });
    expect(countryNumericOf('CN')).toBe('156');
    expect(countryNumericOf('250')).toBe('250');
    expect(() => currencyOf('XYZ')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error,
    );
    expect(() => countryNumericOf('ZZ')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error,
    );
  });

  it('parses amounts exactly in minor units and formats them back', () => {
    const usd = currencyOf('USD');
    expect([
      parseAmount('12.34', usd),
      parseAmount('12.3', usd),
      parseAmount('12', usd),
      parseAmount('0.07', usd),
    ]).toEqual([1234, 1230, 1200, 7]);
    expect(parseAmount('1500', currencyOf('JPY'))).toBe(1500);
    for (const bad of ['12.345', '-1', '1e3', '', '1.'])
      expect(() => parseAmount(bad, usd)).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error,
      );
    expect(formatAmount(1234, '840')).toBe('12.34 USD');
    expect(formatAmount(5, '978')).toBe('0.05 EUR');
    expect(formatAmount(1500, '392')).toBe('1500 JPY');
  });
});
