import type { Cvn18Elements } from '../api/authorizations.js';
import type { Cvn18Data } from '../emv/index.js';
import { DomicileError } from '../errors/index.js';

/** A transaction as the terminal (or the merchant's app) describes it to the card. */
export interface TerminalTransaction {
  /** Amount, authorised, in minor units of `currency`. */
  readonly amountMinor: number;
  /** Cashback, in minor units; 0 when absent. */
  readonly otherAmountMinor?: number;
  /** ISO 4217 numeric currency code (`840`). */
  readonly currency: string;
  /** ISO 3166-1 numeric country code of the terminal (`840`). */
  readonly country: string;
  /** Transaction date, `YYYY-MM-DD`. */
  readonly date: string;
  /** Transaction type (9C): 0 purchase (the default), 1 cash, 9 purchase with cashback, 20 refund. */
  readonly type?: number;
  /** The terminal's unpredictable number (9F37): 4 bytes, hexadecimal. */
  readonly unpredictableNumber: string;
  /** Terminal verification results (95): 5 bytes, hexadecimal; all zero by default. */
  readonly tvr?: string;
}

/** The data elements the terminal supplies; the card adds 82, 9F36 and 9F10. */
export type TerminalElements = Pick<
  Cvn18Elements,
  '9F02' | '9F03' | '9F1A' | '95' | '5F2A' | '9A' | '9C' | '9F37'
>;

/** What a region reads back from the data elements of an authorization. */
export interface TransactionFacts {
  readonly amountMinor: number;
  readonly otherAmountMinor: number;
  readonly currency: string;
  readonly country: string;
  readonly date: string;
  readonly type: number;
  readonly atc: number;
}

function invalid(field: string, expected: string): DomicileError {
  return new DomicileError('VALIDATION_FAILED', { details: { field, expected } });
}

/** Decimal digits as packed BCD (EMV format n), left-padded with zeros to `bytes` bytes. */
export function toBcd(field: string, digits: string, bytes: number): string {
  if (!/^\d+$/.test(digits) || digits.length > bytes * 2)
    throw invalid(field, `at most ${bytes * 2} decimal digits`);
  return digits.padStart(bytes * 2, '0');
}

/** Packed BCD back to its digits; a nibble above 9 is not BCD. */
export function fromBcd(field: string, hex: string): string {
  if (!/^\d*$/.test(hex)) throw invalid(field, 'BCD digits');
  return hex;
}

const HEX = (bytes: number) => new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Encodes a terminal transaction as its EMV data elements (EMV Book 3 Annex A formats). */
export function terminalElements(tx: TerminalTransaction): TerminalElements {
  const date = DATE.exec(tx.date);
  const parsed = new Date(`${tx.date}T00:00:00Z`);
  if (
    date === null ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 10) !== tx.date
  )
    throw invalid('date', 'YYYY-MM-DD');
  if (!/^\d{3}$/.test(tx.country)) throw invalid('9F1A', 'an ISO 3166-1 numeric code');
  if (!/^\d{3}$/.test(tx.currency)) throw invalid('5F2A', 'an ISO 4217 numeric code');
  if (!HEX(4).test(tx.unpredictableNumber)) throw invalid('9F37', '4 bytes, hexadecimal');
  const tvr = tx.tvr ?? '0000000000';
  if (!HEX(5).test(tvr)) throw invalid('95', '5 bytes, hexadecimal');
  const amount = (field: string, minor: number): string => {
    if (!Number.isSafeInteger(minor) || minor < 0)
      throw invalid(field, 'a whole number of minor units');
    return toBcd(field, String(minor), 6);
  };
  const type = tx.type ?? 0;
  if (!Number.isInteger(type) || type < 0 || type > 99) throw invalid('9C', 'two decimal digits');
  return {
    '9F02': amount('9F02', tx.amountMinor),
    '9F03': amount('9F03', tx.otherAmountMinor ?? 0),
    '9F1A': toBcd('9F1A', tx.country, 2),
    '95': tvr.toUpperCase(),
    '5F2A': toBcd('5F2A', tx.currency, 2),
    '9A': `${date[1]?.slice(2) ?? ''}${date[2] ?? ''}${date[3] ?? ''}`,
    '9C': toBcd('9C', String(type), 1),
    '9F37': tx.unpredictableNumber.toUpperCase(),
  };
}

/** Reads the amount, currency, country, date, type and ATC back from the data elements. */
export function transactionFacts(emv: Cvn18Elements): TransactionFacts {
  const yymmdd = fromBcd('9A', emv['9A']);
  return {
    amountMinor: Number(fromBcd('9F02', emv['9F02'])),
    otherAmountMinor: Number(fromBcd('9F03', emv['9F03'])),
    currency: fromBcd('5F2A', emv['5F2A']).slice(1),
    country: fromBcd('9F1A', emv['9F1A']).slice(1),
    // EMV dates carry two year digits; every date Domicile sees is in this century.
    date: `20${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`,
    type: Number(fromBcd('9C', emv['9C'])),
    atc: Number.parseInt(emv['9F36'], 16),
  };
}

/** The data elements as bytes, in the shape the cryptogram functions take. */
export function cvn18DataOf(emv: Cvn18Elements): Cvn18Data {
  const bytes = (tag: keyof Cvn18Elements): Buffer => Buffer.from(emv[tag], 'hex');
  return {
    '9F02': bytes('9F02'),
    '9F03': bytes('9F03'),
    '9F1A': bytes('9F1A'),
    '95': bytes('95'),
    '5F2A': bytes('5F2A'),
    '9A': bytes('9A'),
    '9C': bytes('9C'),
    '9F37': bytes('9F37'),
    '82': bytes('82'),
    '9F36': bytes('9F36'),
    '9F10': bytes('9F10'),
  };
}
