import { commonSessionKey, cvn18TransactionData, retailMac, type Cvn18Data } from '../emv/index.js';

/** Inputs of {@link cardArqc}. */
export interface CardArqcInput {
  /** The ICC master key the card holds (16 bytes): the issuer side derives it from its IMK. */
  readonly iccMasterKey: Uint8Array;
  readonly atc: number;
  readonly data: Cvn18Data;
}

/**
 * The card's side of a Visa CVN 18 ARQC: the common session key from the ICC master key and the
 * ATC (EMV Book 2 A1.3.1), then the retail MAC over the CVN 18 data (8.1.2). The issuer's
 * `verifyArqc` starts one step earlier, from its IMK, and must reach the same 8 bytes.
 */
export function cardArqc(input: CardArqcInput): Buffer {
  return retailMac(
    commonSessionKey({ mk: input.iccMasterKey, atc: input.atc }),
    cvn18TransactionData(input.data, input.atc),
  );
}
