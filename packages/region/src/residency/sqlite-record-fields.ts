/**
 * Where the values of SQLite records begin and end in a database file or its WAL, read from the
 * bytes alone (https://www.sqlite.org/fileformat2.html), so that a byte-for-byte scan can read
 * each value on its own.
 *
 * A record's text values lie back to back in its body, with no separator: a jti ending in
 * "-812345678901" followed by an `expires_at` of "2026-12-01T…" reads, byte for byte, as the run
 * "8123456789012026" — Luhn-valid one time in ten, a card number that was never stored. Worse, a
 * card number written right after a value ending in a letter or a digit ("visa", a last4) is no
 * run of its own and is missed. Cutting at field boundaries fixes both, and cuts nothing else:
 * every byte is still scanned, and a value is read whole up to the end of its page.
 *
 * Only what parses is cut. A page that is no b-tree page (overflow, freelist), a cell or a record
 * that does not add up, and the free space of a page (where deleted rows' bytes stay: no
 * `secure_delete`) are left to the raw scan: bytes whose structure is not known are read as they
 * lie, so a doubt never hides a card number. A value spilled onto overflow pages is cut where its
 * page ends; its remainder is read raw on the overflow page.
 */

const DATABASE_MAGIC = 'SQLite format 3\u0000';
const DATABASE_HEADER_BYTES = 100;
/** Both WAL magic numbers (the low bit says the checksums' byte order). */
const WAL_MAGIC = 0x377f0682;
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

const INDEX_INTERIOR = 0x02;
const INDEX_LEAF = 0x0a;
const TABLE_LEAF = 0x0d;

/**
 * The byte offsets in `bytes` (a SQLite database file or WAL; anything else has none) where a
 * record field, a record header or a cell's payload begins or ends: sorted, possibly repeated.
 */
export function sqliteFieldCuts(bytes: Buffer): number[] {
  const cuts: number[] = [];
  if (
    bytes.length >= DATABASE_HEADER_BYTES &&
    bytes.toString('latin1', 0, DATABASE_MAGIC.length) === DATABASE_MAGIC
  ) {
    const pageSize = databasePageSize(bytes.readUInt16BE(16));
    if (pageSize === undefined) return [];
    const usable = pageSize - (bytes[20] ?? 0);
    for (let page = 0; page + pageSize <= bytes.length; page += pageSize)
      pageCuts(bytes, page, usable, page === 0 ? DATABASE_HEADER_BYTES : 0, cuts);
  } else if (bytes.length >= WAL_HEADER_BYTES && (bytes.readUInt32BE(0) & ~1) >>> 0 === WAL_MAGIC) {
    const pageSize = bytes.readUInt32BE(8);
    if (!isPageSize(pageSize)) return [];
    const frameSize = WAL_FRAME_HEADER_BYTES + pageSize;
    const frames: { page: number; number: number }[] = [];
    for (let frame = WAL_HEADER_BYTES; frame + frameSize <= bytes.length; frame += frameSize)
      frames.push({ page: frame + WAL_FRAME_HEADER_BYTES, number: bytes.readUInt32BE(frame) });
    // The WAL does not say how many bytes each page reserves at its end; page 1 does.
    const first = frames.find((f) => f.number === 1);
    const usable = pageSize - (first === undefined ? 0 : (bytes[first.page + 20] ?? 0));
    for (const { page, number } of frames)
      pageCuts(bytes, page, usable, number === 1 ? DATABASE_HEADER_BYTES : 0, cuts);
  }
  return cuts.sort((a, b) => a - b);
}

function databasePageSize(field: number): number | undefined {
  const size = field === 1 ? 65_536 : field;
  return isPageSize(size) ? size : undefined;
}

function isPageSize(size: number): boolean {
  return size >= 512 && size <= 65_536 && (size & (size - 1)) === 0;
}

/** Thrown inside a page that does not parse: its cuts are dropped and its bytes read raw. */
class NotARecord extends Error {}

function pageCuts(
  bytes: Buffer,
  page: number,
  usable: number,
  headerAt: number,
  cuts: number[],
): void {
  const type = bytes[page + headerAt];
  // A table's interior page (0x05) holds child pages and rowids, no record; other types are no
  // b-tree page at all.
  if (type !== INDEX_INTERIOR && type !== INDEX_LEAF && type !== TABLE_LEAF) return;
  const cellCount = bytes.readUInt16BE(page + headerAt + 3);
  const pointers = page + headerAt + (type === INDEX_INTERIOR ? 12 : 8);
  if (pointers + 2 * cellCount > page + usable) return;
  const found: number[] = [];
  try {
    for (let i = 0; i < cellCount; i++) {
      const offset = bytes.readUInt16BE(pointers + 2 * i);
      if (offset < pointers - page + 2 * cellCount || offset >= usable) throw new NotARecord();
      cellCuts(bytes, page + offset, page + usable, usable, type, found);
    }
  } catch (error) {
    if (error instanceof NotARecord || error instanceof RangeError) return;
    throw error;
  }
  for (const cut of found) cuts.push(cut);
}

function cellCuts(
  bytes: Buffer,
  cell: number,
  pageEnd: number,
  usable: number,
  type: number,
  cuts: number[],
): void {
  let at = cell + (type === INDEX_INTERIOR ? 4 : 0);
  const payload = readVarint(bytes, at, pageEnd);
  at += payload.length;
  if (type === TABLE_LEAF) at += readVarint(bytes, at, pageEnd).length;
  const local = localPayloadBytes(payload.value, usable, type === TABLE_LEAF);
  const end = at + local;
  if (end + (local < payload.value ? 4 : 0) > pageEnd) throw new NotARecord();
  const header = readVarint(bytes, at, end);
  if (header.value < header.length || header.value > local) throw new NotARecord();
  cuts.push(cell, at, at + header.value);
  let serialTypes = at + header.length;
  let field = at + header.value;
  let body = 0;
  while (serialTypes < at + header.value) {
    const serialType = readVarint(bytes, serialTypes, at + header.value);
    serialTypes += serialType.length;
    const size = serialTypeBytes(serialType.value);
    body += size;
    field += size;
    if (field <= end) cuts.push(field);
  }
  // A record whose header does not account for its payload is not one: no cut from it.
  if (serialTypes !== at + header.value || header.value + body !== payload.value)
    throw new NotARecord();
  cuts.push(end);
}

/** How much of a payload lies in its cell, the rest on overflow pages (the file format, 1.6). */
function localPayloadBytes(payload: number, usable: number, tableLeaf: boolean): number {
  const max = tableLeaf ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  if (payload <= max) return payload;
  const min = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = min + ((payload - min) % (usable - 4));
  return k <= max ? k : min;
}

function serialTypeBytes(serialType: number): number {
  if (serialType >= 12) return Math.floor((serialType - 12) / 2);
  const sizes = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];
  const size = sizes[serialType];
  if (size === undefined) throw new NotARecord();
  return size;
}

/** A SQLite varint (1–9 bytes, big-endian, 7 bits a byte but the ninth's 8), within `end`. */
function readVarint(
  bytes: Buffer,
  at: number,
  end: number,
): { readonly value: number; readonly length: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) throw new NotARecord();
    const byte = bytes[at + i] ?? 0;
    if (i === 8) return { value: value * 256 + byte, length: 9 };
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return { value, length: i + 1 };
  }
  throw new NotARecord();
}
