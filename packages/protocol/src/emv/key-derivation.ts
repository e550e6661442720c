import { adjustOddParity, desEncryptEcb, xor } from './des.js';
import { atcBytes, invalidField, requireBytes } from './emv-input.js';

/** Inputs of {@link iccMasterKey}. */
export interface IccMasterKeyInput {
  /** Issuer master key for application cryptograms: a double-length (16-byte) DES key. */
  readonly imk: Uint8Array;
  /** Primary account number (the token number for a wallet credential): 8 to 19 decimal digits. */
  readonly pan: string;
  /** PAN sequence number (5F34) as two decimal digits; `'00'` when the card has none. */
  readonly psn?: string;
}

/**
 * ICC master key derivation, EMV 4.3 Book 2 Annex A1.4.1 (Option A).
 * Y = rightmost 16 digits of PAN || PSN (zero-padded on the left), packed into 8 bytes;
 * MK = 3DES(IMK)[Y] || 3DES(IMK)[Y xor 'FF..FF'], with odd parity set on every byte.
 * @returns the 16-byte ICC master key.
 */
export function iccMasterKey({ imk, pan, psn = '00' }: IccMasterKeyInput): Buffer {
  requireBytes('imk', imk, 16);
  if (!/^\d{8,19}$/.test(pan)) throw invalidField('pan', '8 to 19 decimal digits');
  if (!/^\d{2}$/.test(psn)) throw invalidField('psn', '2 decimal digits');
  const y = Buffer.from((pan + psn).slice(-16).padStart(16, '0'), 'hex');
  const z = desEncryptEcb(imk, Buffer.concat([y, xor(y, Buffer.alloc(8, 0xff))]));
  return adjustOddParity(z);
}

/**
 * Common session key derivation, EMV 4.3 Book 2 Annex A1.3.1, for any 8-byte diversification
 * value R: SK = 3DES(MK)[R0 R1 'F0' R3..R7] || 3DES(MK)[R0 R1 '0F' R3..R7], parity-adjusted.
 * {@link commonSessionKey} is the application-cryptogram case R = ATC || '00'*6; schemes that
 * diversify with more (for example ATC || '00 00' || UN) call this directly.
 */
export function commonSessionKeyFromR(mk: Uint8Array, r: Uint8Array): Buffer {
  requireBytes('mk', mk, 16);
  requireBytes('r', r, 8);
  const left = Buffer.from(r);
  left[2] = 0xf0;
  const right = Buffer.from(r);
  right[2] = 0x0f;
  return adjustOddParity(desEncryptEcb(mk, Buffer.concat([left, right])));
}

/** Inputs of {@link commonSessionKey}. */
export interface CommonSessionKeyInput {
  /** ICC master key (16 bytes), as returned by {@link iccMasterKey}. */
  readonly mk: Uint8Array;
  /** Application Transaction Counter (9F36): a number 0..65535 or its two bytes. */
  readonly atc: number | Uint8Array;
}

/**
 * Application cryptogram session key, EMV 4.3 Book 2 Annex A1.3.1 (common session key
 * derivation) with R = ATC || '00'*6, so the two halves are 3DES(MK)[ATC || 'F0' || '00'*5]
 * and 3DES(MK)[ATC || '0F' || '00'*5]. This is the session key of Visa CVN 18.
 * @returns the 16-byte session key, odd parity.
 */
export function commonSessionKey({ mk, atc }: CommonSessionKeyInput): Buffer {
  return commonSessionKeyFromR(mk, Buffer.concat([atcBytes(atc), Buffer.alloc(6)]));
}

/**
 * The Visa CVN 18 session key of a card's transaction: its ICC master key by Option A
 * ({@link iccMasterKey}), then {@link commonSessionKey} with the ATC. The ARQC and the ARPC of
 * one transaction use the same key, so an issuer derives it once for both.
 * @returns the 16-byte session key.
 */
export function cvn18SessionKey(
  input: IccMasterKeyInput & { readonly atc: number | Uint8Array },
): Buffer {
  return commonSessionKey({ mk: iccMasterKey(input), atc: input.atc });
}
