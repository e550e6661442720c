import { definedProps } from '../util/index.js';
import { desEncryptEcb, xor } from './des.js';
import { invalidField, requireBytes } from './emv-input.js';
import { cvn18SessionKey, type IccMasterKeyInput } from './key-derivation.js';
import { retailMac } from './retail-mac.js';

/**
 * ARPC method 1, EMV 4.3 Book 2 section 8.2.1: ARPC = 3DES(SK)[ARQC xor (ARC || '00'*6)].
 * @param input.sessionKey the 16-byte key the issuer uses for ARPC generation.
 * @param input.arc the 2-byte Authorisation Response Code.
 * @returns the 8-byte ARPC.
 */
export function arpcMethod1(input: {
  readonly sessionKey: Uint8Array;
  readonly arqc: Uint8Array;
  readonly arc: Uint8Array;
}): Buffer {
  const key = requireBytes('sessionKey', input.sessionKey, 16);
  const arc = requireBytes('arc', input.arc, 2);
  const y = xor(requireBytes('arqc', input.arqc, 8), Buffer.concat([arc, Buffer.alloc(6)]));
  return desEncryptEcb(key, y);
}

/** Inputs of {@link arpcMethod2}. */
export interface ArpcMethod2Input {
  readonly sessionKey: Uint8Array;
  readonly arqc: Uint8Array;
  /** Card Status Update: 4 bytes. */
  readonly csu: Uint8Array;
  /** Proprietary Authentication Data: 0 to 8 bytes. */
  readonly proprietaryAuthData?: Uint8Array;
}

/**
 * ARPC method 2, EMV 4.3 Book 2 section 8.2.2: the leftmost 4 bytes of the ISO/IEC 9797-1
 * algorithm 3 MAC (padding method 2) over ARQC || CSU || Proprietary Authentication Data.
 * @returns the 4-byte ARPC; the card receives 91 = ARPC || CSU || proprietary data.
 */
export function arpcMethod2(input: ArpcMethod2Input): Buffer {
  const key = requireBytes('sessionKey', input.sessionKey, 16);
  const data = Buffer.concat([
    requireBytes('arqc', input.arqc, 8),
    requireBytes('csu', input.csu, 4),
    requireBytes('proprietaryAuthData', input.proprietaryAuthData ?? Buffer.alloc(0), 0, 8),
  ]);
  return retailMac(key, data).subarray(0, 4);
}

/** Inputs of {@link arpc}. */
export interface ArpcInput extends IccMasterKeyInput {
  readonly cvn: 18;
  readonly atc: number | Uint8Array;
  readonly arqc: Uint8Array;
  readonly csu: Uint8Array;
  readonly proprietaryAuthData?: Uint8Array;
}

/**
 * The issuer's ARPC for Visa CVN 18: method 2 under the same common session key as the ARQC
 * (Option A master key, Book 2 A1.4.1, then A1.3.1 with the ATC).
 * @returns the 4-byte ARPC.
 */
export function arpc(input: ArpcInput): Buffer {
  if (input.cvn !== 18) throw invalidField('cvn', '18');
  return arpcMethod2({
    sessionKey: cvn18SessionKey(input),
    arqc: input.arqc,
    csu: input.csu,
    ...definedProps({ proprietaryAuthData: input.proprietaryAuthData }),
  });
}
