import { readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import { maskCardNumber } from '@domicile/protocol';
import { listHeldCards } from '../credentials/index.js';
import type { Database } from '../storage/index.js';

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
