import { readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import { isLuhnValid, maskCardNumber } from '@domicile/protocol';
import { listHeldCards } from '../credentials/index.js';
import type { Database } from '../storage/index.js';
import { sqliteFieldCuts } from './sqlite-record-fields.js';

/** A place where a card number was found in clear. Names the card only by its last four digits. */
export interface ResidencyFinding {
  readonly location: string;
  readonly card: string;
}

/**
 * Scans files byte for byte (database files with their WAL, logs) for each card number, as ASCII
 * digits. A file that does not exist is skipped: not every database has a WAL at every moment.
 */
export async function scanFiles(
  files: readonly string[],
  cardNumbers: readonly string[],
): Promise<ResidencyFinding[]> {
  const findings: ResidencyFinding[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      continue;
    }
    for (const pan of cardNumbers)
      if (bytes.includes(pan, 0, 'latin1'))
        findings.push({ location: file, card: maskCardNumber(pan) });
  }
  return findings;
}

/**
 * Scans every row of every table through the database itself — what a PostgreSQL dump would
 * show — for each card number.
 */
export async function scanDatabase(
  db: Kysely<Database>,
  cardNumbers: readonly string[],
  label: string,
): Promise<ResidencyFinding[]> {
  const findings: ResidencyFinding[] = [];
  // Every table the database has, not a list kept by hand: a table added later is scanned too.
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  for (const { name: table } of tables) {
    const rows = await db
      .selectFrom(table as keyof Database)
      .selectAll()
      .execute();
    const text = JSON.stringify(rows);
    for (const pan of cardNumbers)
      if (text.includes(pan))
        findings.push({ location: `${label}:${table}`, card: maskCardNumber(pan) });
  }
  return findings;
}

/** The cards a region holds, by last four digits and state: what the residency report lists. */
export function heldCredentials(
  db: Kysely<Database>,
): Promise<{ last4: string; network: string; state: string; guest: boolean }[]> {
  return listHeldCards(db);
}

/** Counts vault records, to show the card data a region holds is there, and sealed. */
export async function countVaultRecords(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('vault_records')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * A run of 13–19 digits not inside a longer run, a decimal or a word: the shape of a card number
 * (ISO/IEC 7812-1). Digits inside a hex or base64 string (a hash, a key, an id) are not one: one
 * in ten 13-digit runs of a SHA-256 in hex would pass the Luhn check.
 */
const DIGIT_RUN = /(?<![\dA-Za-z.])\d{13,19}(?![\dA-Za-z])/g;

/**
 * Payment cards' major industry identifiers (ISO/IEC 7812-1: 2–6, banking and financial). A
 * Luhn-valid run starting otherwise is not a payment card: one in ten millisecond timestamps
 * (13 digits starting with 1) is Luhn-valid, and a report must not cry wolf on them.
 */
const PAYMENT_CARD_MII = /^[2-6]/;

/** A card number found in clear: where, and its last four digits. Never the number itself. */
export interface ClearCardFinding {
  /** `file:<path>@<byte offset>` or `table:<table>.<column>#<row>` (row: 1-based, in scan order). */
  readonly location: string;
  readonly last4: string;
}

/** What a clear-card scan looked at, so a reader can judge what "nothing found" covers. */
export interface ClearCardScan {
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly tables: readonly {
    readonly table: string;
    readonly rows: number;
    readonly values: number;
    readonly bytes: number;
  }[];
  /** Luhn-valid runs in the directory's token ranges: token numbers, which are not card numbers. */
  readonly tokenNumbersSkipped: number;
  readonly findings: readonly ClearCardFinding[];
}

/**
 * Says whether a Luhn-valid run is a token number (a device account number from a token range of
 * the directory) rather than a card number: token numbers are stored in clear by design.
 */
export type TokenNumberTest = (digits: string) => boolean;

interface RunCounter {
  tokenNumbersSkipped: number;
  readonly findings: ClearCardFinding[];
}

function collectRuns(
  text: string,
  isTokenNumber: TokenNumberTest,
  counter: RunCounter,
  locate: (index: number) => string,
): void {
  for (const match of text.matchAll(DIGIT_RUN)) {
    const run = match[0];
    if (!PAYMENT_CARD_MII.test(run) || !isLuhnValid(run)) continue;
    if (isTokenNumber(run)) counter.tokenNumbersSkipped++;
    else counter.findings.push({ location: locate(match.index), last4: run.slice(-4) });
  }
}

/**
 * Scans files byte for byte for any Luhn-valid run of 13–19 ASCII digits: a database file with
 * its WAL and journal (a SQLite record's fields each on its own), a log. Latin-1 maps each byte
 * to one character, so a match's index is its byte offset. A file that does not exist is skipped
 * and not listed: not every database has a WAL or a journal at every moment.
 */
export async function scanFilesForClearCards(
  files: readonly string[],
  isTokenNumber: TokenNumberTest,
): Promise<ClearCardScan> {
  const counter: RunCounter = { tokenNumbersSkipped: 0, findings: [] };
  const scanned: { path: string; bytes: number }[] = [];
  for (const path of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    scanned.push({ path, bytes: bytes.length });
    const text = bytes.toString('latin1');
    // A SQLite file is read one record field at a time (see sqlite-record-fields.ts): its values
    // lie back to back with no separator, and two of them must not make one card number. Every
    // byte is still read, those outside a record that parses as they lie. Matching only the card
    // numbers of the test cards would be no residency check: a region does not know the numbers
    // of the cards it holds (they are sealed), and must find any card number, not the ones it
    // was told of.
    let from = 0;
    for (const cut of [...sqliteFieldCuts(bytes), text.length]) {
      if (cut <= from) continue;
      const start = from;
      collectRuns(
        text.slice(start, cut),
        isTokenNumber,
        counter,
        (at) => `file:${path}@${start + at}`,
      );
      from = cut;
    }
  }
  return { files: scanned, tables: [], ...counter };
}

/**
 * Scans every value of every row of every table through the database itself — what a dump would
 * show, on SQLite or PostgreSQL — for any Luhn-valid run of 13–19 digits. Every table the
 * database has, not a list kept by hand: a table added later is scanned too.
 */
export async function scanTablesForClearCards(
  db: Kysely<Database>,
  isTokenNumber: TokenNumberTest,
): Promise<ClearCardScan> {
  const counter: RunCounter = { tokenNumbersSkipped: 0, findings: [] };
  const scanned: { table: string; rows: number; values: number; bytes: number }[] = [];
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  for (const { name: table } of [...tables].sort((a, b) => a.name.localeCompare(b.name))) {
    const rows = await db
      .selectFrom(table as keyof Database)
      .selectAll()
      .execute();
    let values = 0;
    let bytes = 0;
    rows.forEach((row: Record<string, unknown>, index) => {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const text = typeof value === 'string' ? value : textOf(value);
        values++;
        bytes += Buffer.byteLength(text);
        collectRuns(text, isTokenNumber, counter, () => `table:${table}.${column}#${index + 1}`);
      }
    });
    scanned.push({ table, rows: rows.length, values, bytes });
  }
  return { files: [], tables: scanned, ...counter };
}

function textOf(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value) ?? '';
}
