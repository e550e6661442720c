import { atcBytes, invalidField, requireBytes } from './emv-input.js';
import { cvn18SessionKey, type IccMasterKeyInput } from './key-derivation.js';
import { retailMac } from './retail-mac.js';

/**
 * The data elements a Visa CVN 18 cryptogram covers, in MAC order: the EMV Book 2 section 8.1.1
 * recommended minimum set followed by the full Issuer Application Data (9F10).
 */
export const CVN18_TAGS = [
  '9F02',
  '9F03',
  '9F1A',
  '95',
  '5F2A',
  '9A',
  '9C',
  '9F37',
  '82',
  '9F36',
  '9F10',
] as const;

export type Cvn18Tag = (typeof CVN18_TAGS)[number];

/** Byte length of each fixed-length element (EMV Book 3 Annex A); 9F10 is 1 to 32 bytes. */
const FIXED_LENGTHS: Readonly<Record<Exclude<Cvn18Tag, '9F10'>, number>> = {
  '9F02': 6,
  '9F03': 6,
  '9F1A': 2,
  '95': 5,
  '5F2A': 2,
  '9A': 3,
  '9C': 1,
  '9F37': 4,
  '82': 2,
  '9F36': 2,
};

/**
 * Values (not TLV-encoded) of the CVN 18 data elements. 9F36 may be left out: it is then taken
 * from the ATC that derives the session key, and when given it must equal that ATC.
 */
export type Cvn18Data = Readonly<Record<Exclude<Cvn18Tag, '9F36'>, Uint8Array>> & {
  readonly '9F36'?: Uint8Array;
};

/**
 * Checks a tag → value record (for example parsed from a CLI flag or a request) and returns it
 * as {@link Cvn18Data}. Tags are matched case-insensitively; a missing or unknown tag fails.
 */
export function toCvn18Data(tags: Readonly<Record<string, Uint8Array>>): Cvn18Data {
  const found = new Map<string, Uint8Array>();
  for (const [tag, value] of Object.entries(tags)) {
    const upper = tag.toUpperCase();
    if (!(CVN18_TAGS as readonly string[]).includes(upper))
      throw invalidField(upper, `one of ${CVN18_TAGS.join(', ')}`);
    found.set(upper, value);
  }
  const value = (tag: Exclude<Cvn18Tag, '9F36'>): Uint8Array => {
    const v = found.get(tag);
    if (v === undefined) throw invalidField(tag, 'present');
    return v;
  };
  const atc = found.get('9F36');
  return {
    '9F02': value('9F02'),
    '9F03': value('9F03'),
    '9F1A': value('9F1A'),
    '95': value('95'),
    '5F2A': value('5F2A'),
    '9A': value('9A'),
    '9C': value('9C'),
    '9F37': value('9F37'),
    '82': value('82'),
    '9F10': value('9F10'),
    ...(atc === undefined ? {} : { '9F36': atc }),
  };
}

/**
 * Builds the CVN 18 MAC input: the values of {@link CVN18_TAGS} concatenated in that order,
 * each checked for its EMV length.
 */
export function cvn18TransactionData(data: Cvn18Data, atc: number | Uint8Array): Buffer {
  const counter = atcBytes(atc);
  const given = data['9F36'];
  if (given !== undefined && !Buffer.from(requireBytes('9F36', given, 2)).equals(counter)) {
    throw invalidField('9F36', 'equal to atc');
  }
  const parts = CVN18_TAGS.map((tag) => {
    if (tag === '9F36') return counter;
    if (tag === '9F10') return requireBytes(tag, data[tag], 1, 32);
    return requireBytes(tag, data[tag], FIXED_LENGTHS[tag]);
  });
  return Buffer.concat(parts);
}

/**
 * Generic application cryptogram, EMV 4.3 Book 2 section 8.1.2 / Annex A1.2.1: the ISO/IEC 9797-1
 * algorithm 3 MAC (padding method 2) under the session key over `values` concatenated in the
 * order given. For cryptogram versions whose data list differs from CVN 18.
 */
export function arqcFromTags(sessionKey: Uint8Array, values: readonly Uint8Array[]): Buffer {
  return retailMac(requireBytes('sessionKey', sessionKey, 16), Buffer.concat(values));
}

/** Inputs of {@link arqc}. */
export interface ArqcInput extends IccMasterKeyInput {
  /** Cryptogram version number; only Visa CVN 18 ('12') is supported. */
  readonly cvn: 18;
  readonly atc: number | Uint8Array;
  readonly data: Cvn18Data;
}

/**
 * Authorisation Request Cryptogram for Visa CVN 18: ICC master key by Option A (Book 2 A1.4.1),
 * session key by common session key derivation with the ATC (A1.3.1), then the retail MAC over
 * {@link cvn18TransactionData} (Book 2 8.1.2). A TC or AAC is computed the same way.
 * @returns the 8-byte cryptogram (9F26).
 */
export function arqc(input: ArqcInput): Buffer {
  if (input.cvn !== 18) throw invalidField('cvn', '18');
  const transactionData = cvn18TransactionData(input.data, input.atc);
  return retailMac(cvn18SessionKey(input), transactionData);
}

/**
 * Constant-time comparison of two cryptograms (or MACs); different lengths compare unequal.
 * Use this, never `Buffer.equals`, when checking a cryptogram a device sent.
 */
export function cryptogramsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // Every byte is compared whatever the earlier ones were: the time does not tell where they differ.
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** Recomputes the ARQC from `input` and compares it in constant time with `arqc` (9F26). */
export function verifyArqc(input: ArqcInput & { readonly arqc: Uint8Array }): boolean {
  return cryptogramsEqual(arqc(input), input.arqc);
}
