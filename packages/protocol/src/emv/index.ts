/** EMV application cryptograms: key derivation, retail MAC, ARQC (Visa CVN 18) and ARPC. */
export { adjustOddParity, hasOddParity, keyCheckValue } from './des.js';
export { atcBytes, hexToBytes } from './emv-input.js';
export {
  commonSessionKey,
  commonSessionKeyFromR,
  cvn18SessionKey,
  iccMasterKey,
  type CommonSessionKeyInput,
  type IccMasterKeyInput,
} from './key-derivation.js';
export { padMethod2, retailMac } from './retail-mac.js';
export {
  CVN18_TAGS,
  arqc,
  arqcFromTags,
  cryptogramsEqual,
  cvn18TransactionData,
  toCvn18Data,
  verifyArqc,
  type ArqcInput,
  type Cvn18Data,
  type Cvn18Tag,
} from './cryptogram.js';
export { arpc, arpcMethod1, arpcMethod2, type ArpcInput, type ArpcMethod2Input } from './arpc.js';
