import { sql, type Kysely } from 'kysely';
import type { Directory } from '@domicile/protocol';
import { scrubCardNumbers } from '../logging/index.js';
import type { Database } from '../storage/index.js';
import type { ResidencyAuditSection } from './audit-chain-status.js';
import type { KeyInventoryEntry } from './key-inventory.js';
import type { ReadOnlyDatabase } from './read-only-database.js';
import {
  scanFilesForClearCards,
  scanTablesForClearCards,
  type ClearCardFinding,
  type ClearCardScan,
} from './residency-scan.js';

export const RESIDENCY_REPORT_FORMAT = 'domicile-residency-report/1';

/** A card the region holds: never its number, only what identifies it to its owner. */
export interface HeldCard {
  readonly tokenRef: string;
  readonly last4: string;
  readonly network: string;
  readonly state: string;
  /** The issuer's card product; null for a credential without lifecycle facts. */
  readonly product: string | null;
  readonly account: 'registered' | 'guest';
  /**
   * The region that owns the card by the directory's routing table, from the routing prefix
   * the provisioning message carried; null when it no longer routes anywhere.
   */
  readonly ownerRegion: string | null;
}

/**
 * The residency report of one region (DESIGN: Residency): what it holds, whom for, where its
 * users were sent, whether any card number sits in clear in its database or logs, whether its
 * audit chain holds, and which keys it uses. No name, e-mail, card number or key in it.
 */
export interface ResidencyReport {
  readonly format: typeof RESIDENCY_REPORT_FORMAT;
  readonly region: string;
  readonly generatedAt: string;
  readonly directorySerial: number;
  readonly database: { readonly kind: 'sqlite' | 'postgres'; readonly name: string };
  readonly cards: readonly HeldCard[];
  readonly vault: {
    readonly records: number;
    /** Records whose data key was destroyed (crypto-shredded). */
    readonly erased: number;
  };
  readonly accounts: {
    /** Accounts registered here: ids and device counts, never a name or an e-mail. */
    readonly registered: readonly {
      readonly accountId: string;
      readonly devices: number;
      readonly createdAt: string;
    }[];
    /** Users of other regions known here only by their home region's pseudonym. */
    readonly guests: readonly {
      readonly pseudonym: string;
      readonly homeRegion: string;
      readonly devices: number;
      readonly createdAt: string;
    }[];
  };
  /** From the residency index: the regions this region's accounts were redirected to. */
  readonly redirects: readonly {
    readonly region: string;
    readonly accounts: number;
    /** The pseudonyms the target region knows them by: its report lists them as guests. */
    readonly pseudonyms: readonly string[];
  }[];
  readonly clearCardScan: ClearCardScan;
  readonly auditChain: ResidencyAuditSection;
  readonly keys: readonly KeyInventoryEntry[];
  /** Clean: no card in clear, no card of another region, no broken audit chain. */
  readonly verdict: { readonly clean: boolean; readonly problems: readonly string[] };
}

export interface BuildResidencyReportOptions {
  readonly region: string;
  readonly database: ReadOnlyDatabase;
  readonly directory: Directory;
  /** The region's log files (and any other file to scan byte for byte). */
  readonly logFiles: readonly string[];
  readonly keys: readonly KeyInventoryEntry[];
  readonly auditChain: ResidencyAuditSection;
  readonly now: Date;
}

/** Builds the report of one region from its database (read only), its files and its keys. */
export async function buildResidencyReport(
  options: BuildResidencyReportOptions,
): Promise<ResidencyReport> {
  const { database, directory, region } = options;
  const isTokenNumber = (digits: string): boolean => directory.regionForToken(digits) !== undefined;
  // One snapshot of a live region: on PostgreSQL a repeatable-read transaction, on SQLite one
  // read transaction, so the counts and lists below agree with each other.
  const held = await database.db
    .transaction()
    .setIsolationLevel(database.kind === 'postgres' ? 'repeatable read' : 'serializable')
    .execute(async (trx) => ({
      cards: await heldCards(trx, directory),
      vault: await vaultCounts(trx),
      accounts: await accountsOf(trx),
      redirects: await redirectsOf(trx),
      tables: await scanTablesForClearCards(trx, isTokenNumber),
    }));
  const files = await scanFilesForClearCards(
    [...databaseFiles(database), ...options.logFiles],
    isTokenNumber,
  );
  const clearCardScan = mergeScans(held.tables, files);
  const report = {
    format: RESIDENCY_REPORT_FORMAT,
    region,
    generatedAt: options.now.toISOString(),
    directorySerial: directory.document.serial,
    database: { kind: database.kind, name: database.name },
    cards: held.cards,
    vault: held.vault,
    accounts: held.accounts,
    redirects: held.redirects,
    clearCardScan,
    auditChain: options.auditChain,
    keys: options.keys,
  } as const;
  return { ...report, verdict: verdictOf(report) };
}

/** The SQLite file and what SQLite writes beside it; PostgreSQL's files are not ours to read. */
function databaseFiles(database: ReadOnlyDatabase): string[] {
  if (database.kind !== 'sqlite') return [];
  return [database.name, `${database.name}-wal`, `${database.name}-journal`];
}

function mergeScans(tables: ClearCardScan, files: ClearCardScan): ClearCardScan {
  return {
    files: files.files,
    tables: tables.tables,
    tokenNumbersSkipped: tables.tokenNumbersSkipped + files.tokenNumbersSkipped,
    findings: [...tables.findings, ...files.findings],
  };
}

function verdictOf(report: Omit<ResidencyReport, 'verdict'>): ResidencyReport['verdict'] {
  const problems: string[] = [];
  const found = report.clearCardScan.findings;
  if (found.length > 0)
    problems.push(`${found.length} card number(s) in clear: ${describeFindings(found)}`);
  const foreign = report.cards.filter((c) => c.ownerRegion !== report.region);
  if (foreign.length > 0)
    problems.push(
      `${foreign.length} card(s) not of this region: ${foreign.map((c) => `•••• ${c.last4} (${c.ownerRegion ?? 'no region'})`).join(', ')}`,
    );
  if (report.auditChain.status === 'failed') problems.push('the audit chain does not verify');
  return { clean: problems.length === 0, problems };
}

function describeFindings(findings: readonly ClearCardFinding[]): string {
  return findings.map((f) => `•••• ${f.last4} at ${f.location}`).join(', ');
}

/**
 * Masks any card number in a value copied from the database into the report: a number planted
 * in an id or a pseudonym is a finding of the scan, and must not be printed by the report too.
 */
const scrub = scrubCardNumbers;

async function heldCards(db: Kysely<Database>, directory: Directory): Promise<HeldCard[]> {
  const rows = await db
    .selectFrom('credentials')
    .innerJoin('accounts', 'accounts.id', 'credentials.account_id')
    .leftJoin('credential_lifecycle', 'credential_lifecycle.credential_id', 'credentials.id')
    .leftJoin('provisioning_sessions', 'provisioning_sessions.id', 'credentials.session_id')
    .select([
      'credentials.token_ref',
      'credentials.last4',
      'credentials.network',
      'credentials.state',
      'credential_lifecycle.product_id',
      'accounts.kind',
      'provisioning_sessions.routing_prefix',
    ])
    .orderBy('credentials.created_at')
    .orderBy('credentials.token_ref')
    .execute();
  return rows.map((r) => {
    const route = r.routing_prefix === null ? undefined : directory.routeCard(r.routing_prefix);
    return {
      tokenRef: scrub(r.token_ref),
      last4: r.last4,
      network: scrub(r.network),
      state: r.state,
      product: r.product_id === null ? null : scrub(r.product_id),
      account: r.kind,
      ownerRegion: route?.kind === 'region' ? route.region.id : null,
    };
  });
}

async function vaultCounts(db: Kysely<Database>): Promise<ResidencyReport['vault']> {
  const row = await db
    .selectFrom('vault_records')
    .select([sql<number>`count(*)`.as('records'), sql<number>`count(erased_at)`.as('erased')])
    .executeTakeFirst();
  return { records: Number(row?.records ?? 0), erased: Number(row?.erased ?? 0) };
}

async function accountsOf(db: Kysely<Database>): Promise<ResidencyReport['accounts']> {
  const rows = await db
    .selectFrom('accounts')
    .leftJoin('devices', 'devices.account_id', 'accounts.id')
    .select([
      'accounts.id',
      'accounts.kind',
      'accounts.pseudonym',
      'accounts.home_region',
      'accounts.created_at',
      sql<number>`count(devices.id)`.as('devices'),
    ])
    .groupBy([
      'accounts.id',
      'accounts.kind',
      'accounts.pseudonym',
      'accounts.home_region',
      'accounts.created_at',
    ])
    .orderBy('accounts.created_at')
    .orderBy('accounts.id')
    .execute();
  return {
    registered: rows
      .filter((r) => r.kind === 'registered')
      .map((r) => ({
        accountId: scrub(r.id),
        devices: Number(r.devices),
        createdAt: scrub(r.created_at),
      })),
    guests: rows
      .filter((r) => r.kind === 'guest')
      .map((r) => ({
        pseudonym: scrub(r.pseudonym ?? ''),
        homeRegion: scrub(r.home_region),
        devices: Number(r.devices),
        createdAt: scrub(r.created_at),
      })),
  };
}

async function redirectsOf(db: Kysely<Database>): Promise<ResidencyReport['redirects']> {
  const rows = await db
    .selectFrom('residency_index')
    .select(['region', 'pseudonym'])
    .orderBy('region')
    .orderBy('first_seen_at')
    .orderBy('pseudonym')
    .execute();
  const byRegion = new Map<string, string[]>();
  for (const { region, pseudonym } of rows) {
    const list = byRegion.get(scrub(region)) ?? [];
    list.push(scrub(pseudonym));
    byRegion.set(scrub(region), list);
  }
  return [...byRegion].map(([region, pseudonyms]) => ({
    region,
    accounts: pseudonyms.length,
    pseudonyms,
  }));
}
