/**
 * ES256 signatures between JOSE's form (R || S, 32 bytes each: RFC 7518 §3.4) and DER (a
 * SEQUENCE of two INTEGERs: SEC 1 §C.8), the form node:crypto signs and verifies with a bare
 * KeyObject. Passing `{ key, dsaEncoding: 'ieee-p1363' }` instead makes node:crypto throw and catch
 * two errors per call (its KeyObject and CryptoKey checks of a plain object): more CPU than the
 * ECDSA verification's fifth, where this conversion is a few array copies.
 */

const COORDINATE_BYTES = 32;
const SEQUENCE = 0x30;
const INTEGER = 0x02;

/** One unsigned big-endian number as a DER INTEGER: shortest form, positive. */
function derInteger(unsigned: Uint8Array): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const value = unsigned.subarray(start);
  // A leading 1 bit would read as a negative number: DER puts a zero byte before it.
  const pad = ((value[0] ?? 0) & 0x80) === 0 ? 0 : 1;
  const out = Buffer.alloc(2 + pad + value.length);
  out[0] = INTEGER;
  out[1] = pad + value.length;
  out.set(value, 2 + pad);
  return out;
}

/** R || S (64 bytes) as DER; every length fits in one byte (at most 33 + 33 + 4). */
export function p1363ToDer(signature: Uint8Array): Buffer {
  if (signature.length !== 2 * COORDINATE_BYTES) throw new Error('signature is not 64 bytes');
  const r = derInteger(signature.subarray(0, COORDINATE_BYTES));
  const s = derInteger(signature.subarray(COORDINATE_BYTES));
  return Buffer.concat([Buffer.of(SEQUENCE, r.length + s.length), r, s]);
}

/** A DER ECDSA signature of P-256 (what node:crypto's `sign` returns) as R || S, 64 bytes. */
export function derToP1363(der: Uint8Array): Buffer {
  if (der[0] !== SEQUENCE || der[1] !== der.length - 2) throw new Error('not a DER signature');
  const out = Buffer.alloc(2 * COORDINATE_BYTES);
  let at = 2;
  for (const offset of [0, COORDINATE_BYTES]) {
    const length = der[at + 1] ?? 0;
    if (der[at] !== INTEGER || at + 2 + length > der.length) throw new Error('not a DER signature');
    let value = der.subarray(at + 2, at + 2 + length);
    while (value.length > COORDINATE_BYTES && value[0] === 0) value = value.subarray(1);
    if (value.length > COORDINATE_BYTES) throw new Error('not a P-256 signature');
    out.set(value, offset + COORDINATE_BYTES - value.length);
    at += 2 + length;
  }
  if (at !== der.length) throw new Error('not a DER signature');
  return out;
}
