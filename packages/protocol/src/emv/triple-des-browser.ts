/**
 * DES as FIPS 46-3 specifies it, for browsers: WebCrypto has no DES, and a wallet applet computes
 * its ARQC on the device. Bit by bit after the standard's tables (clear, not fast: an ARQC is a
 * few dozen blocks). Node uses OpenSSL (`triple-des.ts`); a test checks both agree.
 */

/** Initial permutation IP (FIPS 46-3, p. 10): bit positions, 1-based, of the input block. */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64,
  56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53,
  45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
/** Inverse initial permutation IP⁻¹. */
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37,
  5, 45, 13, 53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2,
  42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];
/** E bit-selection table: R (32 bits) expanded to 48. */
const E = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18, 19,
  20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
/** Permutation P of the S-box outputs. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13,
  30, 6, 22, 11, 4, 25,
];
/** Permuted choice 1: the 56 key bits (parity bits dropped), C then D. */
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60,
  52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21,
  13, 5, 28, 20, 12, 4,
];
/** Permuted choice 2: the 48 bits of a round key from C and D. */
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52,
  31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
/** Left shifts of C and D before each of the 16 rounds. */
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
/** The eight S-boxes, each 4 rows of 16 (row from the outer bits, column from the inner four). */
const S = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11,
    9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5,
    11, 3, 14, 10, 0, 6, 13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10,
    6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2,
    11, 6, 7, 12, 0, 5, 14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12,
    11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4,
    15, 14, 3, 11, 5, 2, 12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1,
    10, 14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9,
    4, 5, 11, 12, 7, 2, 14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10,
    3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6,
    15, 0, 9, 10, 4, 5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14,
    0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10,
    11, 14, 1, 7, 6, 0, 8, 13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12,
    2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9,
    5, 0, 15, 14, 2, 3, 12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11,
    0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13,
    15, 12, 9, 0, 3, 5, 6, 11,
  ],
];

type Bits = readonly number[];

function toBits(bytes: Uint8Array): number[] {
  return Array.from(
    { length: bytes.length * 8 },
    (_, i) => ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1,
  );
}

function toBytes(bits: Bits): Uint8Array {
  const out = new Uint8Array(bits.length / 8);
  bits.forEach((bit, i) => {
    out[i >> 3] = (out[i >> 3] ?? 0) | (bit << (7 - (i & 7)));
  });
  return out;
}

const permute = (bits: Bits, table: readonly number[]): number[] =>
  table.map((position) => bits[position - 1] ?? 0);

const rotate = (half: Bits, by: number): number[] => [...half.slice(by), ...half.slice(0, by)];

/** The 16 round keys of one 8-byte DES key. */
function roundKeys(key: Uint8Array): number[][] {
  const cd = permute(toBits(key), PC1);
  let c = cd.slice(0, 28);
  let d = cd.slice(28);
  return SHIFTS.map((by) => {
    c = rotate(c, by);
    d = rotate(d, by);
    return permute([...c, ...d], PC2);
  });
}

/** The cipher function f(R, K): expansion, key mixing, the S-boxes, then P. */
function feistel(r: Bits, k: Bits): number[] {
  const mixed = permute(r, E).map((bit, i) => bit ^ (k[i] ?? 0));
  const out: number[] = [];
  for (let box = 0; box < 8; box++) {
    const six = mixed.slice(box * 6, box * 6 + 6);
    const [b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0] = six;
    const value = S[box]?.[(b1 * 2 + b6) * 16 + b2 * 8 + b3 * 4 + b4 * 2 + b5] ?? 0;
    out.push((value >> 3) & 1, (value >> 2) & 1, (value >> 1) & 1, value & 1);
  }
  return permute(out, P);
}

/** One 8-byte block through single DES with the round keys in the order given. */
function desBlock(block: Uint8Array, keys: readonly number[][]): Uint8Array {
  const ip = permute(toBits(block), IP);
  let l = ip.slice(0, 32);
  let r = ip.slice(32);
  for (const k of keys) {
    const f = feistel(r, k);
    [l, r] = [r, l.map((bit, i) => bit ^ (f[i] ?? 0))];
  }
  return toBytes(permute([...r, ...l], FP));
}

/** Same contract as the Node `tripleDes`: EDE with a 24-byte key, ECB or CBC, no padding. */
export function tripleDes(
  mode: 'encrypt' | 'decrypt',
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array | null,
): Uint8Array {
  const [k1, k2, k3] = [0, 8, 16].map((at) => roundKeys(key.subarray(at, at + 8)));
  if (k1 === undefined || k2 === undefined || k3 === undefined || key.length !== 24)
    throw new RangeError('A triple DES key is 24 bytes long.');
  const reverse = (keys: number[][]) => [...keys].reverse();
  const encrypt = (b: Uint8Array) => desBlock(desBlock(desBlock(b, k1), reverse(k2)), k3);
  const decrypt = (b: Uint8Array) => desBlock(desBlock(desBlock(b, reverse(k3)), k2), reverse(k1));
  const out = new Uint8Array(data.length);
  let chain = iv ?? new Uint8Array(8);
  for (let at = 0; at < data.length; at += 8) {
    const block = data.subarray(at, at + 8);
    if (mode === 'encrypt') {
      const input = iv === null ? block : block.map((byte, i) => byte ^ (chain[i] ?? 0));
      chain = encrypt(input);
      out.set(chain, at);
    } else {
      const plain = decrypt(block);
      out.set(iv === null ? plain : plain.map((byte, i) => byte ^ (chain[i] ?? 0)), at);
      chain = block;
    }
  }
  return out;
}
