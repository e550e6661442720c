import { desEncryptCbc, desEncryptEcb, xor } from './des.js';
import { requireBytes } from './emv-input.js';

/** ISO/IEC 9797-1 padding method 2: one '80' byte, then '00' bytes up to a whole 8-byte block. */
export function padMethod2(data: Uint8Array): Buffer {
  const padded = Buffer.alloc((Math.floor(data.length / 8) + 1) * 8);
  padded.set(data);
  padded[data.length] = 0x80;
  return padded;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC", ANSI X9.19) with padding method 2, the MAC of
 * EMV 4.3 Book 2 Annex A1.2.1: single-DES CBC under KL over every block, then the last output
 * block is decrypted under KR and encrypted again under KL.
 *
 * Computed as two cipher runs, not three: the last block's single-DES encryption under KL
 * followed by KR's decryption and KL's encryption is triple DES (EDE) under KL|KR|KL, the key
 * itself, so the CBC under KL covers every block but the last, and the last block, chained,
 * goes through triple DES under the key.
 * @param key double-length key KL || KR (16 bytes).
 * @returns the 8-byte MAC.
 */
export function retailMac(key: Uint8Array, data: Uint8Array): Buffer {
  requireBytes('key', key, 16);
  const padded = padMethod2(data);
  const last = padded.subarray(padded.length - 8);
  const head = padded.subarray(0, padded.length - 8);
  const chained =
    head.length === 0
      ? last
      : xor(desEncryptCbc(key.subarray(0, 8), head).subarray(head.length - 8), last);
  return desEncryptEcb(key, chained);
}
