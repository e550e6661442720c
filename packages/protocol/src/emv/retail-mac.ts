import { desDecryptEcb, desEncryptCbc, desEncryptEcb } from './des.js';
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
 * @param key double-length key KL || KR (16 bytes).
 * @returns the 8-byte MAC.
 */
export function retailMac(key: Uint8Array, data: Uint8Array): Buffer {
  requireBytes('key', key, 16);
  const kl = key.subarray(0, 8);
  const kr = key.subarray(8, 16);
  const chained = desEncryptCbc(kl, padMethod2(data));
  const last = chained.subarray(chained.length - 8);
  return desEncryptEcb(kl, desDecryptEcb(kr, last));
}
