import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DomicileError, peekHeader, verifyDirectory, type Directory } from '@domicile/protocol';
import {
  auditChainNotChecked,
  auditChainStatusOf,
  auditSigningKeysOf,
  buildResidencyReport,
  fileKeyInventory,
  fileRegionKeyring,
  openReadOnlyDatabase,
  renderResidencyReportHtml,
  signResidencyReport,
  verifyAuditChain,
  verifyResidencyReport,
  type ResidencyAuditSection,
  type ReadOnlyDatabase,
  type ResidencyReport,
  type SignedResidencyReport,
} from '@domicile/region';
import {
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readRegionKeys,
} from '../deployment/deployment-files.js';
import { CommandFailed, UsageError, type CliIo } from '../io/index.js';

/** Reads the deployment folder's directory and checks it with the pinned authority key. */
export async function readVerifiedDirectory(dir: string): Promise<Directory> {
  return verifyDirectory(
    await readDirectory(paths.directory(dir)),
    await readAuthorityPublicKey(paths.authorityPublic(dir)),
  );
}

/**
 * The audit chain section: the chain and every signed checkpoint, verified as `domicile audit
 * verify` does. A database without the chain (not migrated yet) says so; it is never "ok".
 */
async function auditChainOf(
  database: ReadOnlyDatabase,
  directory: Directory,
  region: string,
): Promise<ResidencyAuditSection> {
  try {
    return auditChainStatusOf(
      await verifyAuditChain({
        db: database.db,
        region,
        signingKeys: auditSigningKeysOf(directory, region),
      }),
    );
  } catch (error) {
    return auditChainNotChecked(
      `the audit chain could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface ProduceResidencyReportOptions {
  readonly region: string;
  /** The deployment folder: `directory.jws`, `keys/`. */
  readonly dir: string;
  readonly databaseUrl: string;
  readonly logFiles: readonly string[];
  readonly now: Date;
}

/**
 * The residency report of one region, signed by it: reads its database only to read it (on a
 * running or a stopped region), its log files, its key file and the directory. What
 * `domicile residency report` writes, and what the demo shows.
 */
export async function produceResidencyReport(
  options: ProduceResidencyReportOptions,
): Promise<SignedResidencyReport> {
  const directory = await readVerifiedDirectory(options.dir);
  if (directory.region(options.region) === undefined)
    throw new UsageError('CONFIG_INVALID', {
      option: '--region',
      reason: `region ${options.region} is not in the directory`,
    });
  const keys = await readRegionKeys(options.dir, options.region);
  const keyring = fileRegionKeyring(keys);
  const database = await openReadOnlyDatabase(options.databaseUrl);
  try {
    const report = await buildResidencyReport({
      region: options.region,
      database,
      directory,
      logFiles: options.logFiles,
      keys: await fileKeyInventory({
        keys,
        keyFile: paths.regionKeys(options.dir, options.region),
        directory,
        db: database.db,
        now: options.now,
      }),
      auditChain: await auditChainOf(database, directory, options.region),
      now: options.now,
    });
    return await signResidencyReport(report, keyring.signing);
  } finally {
    await database.db.destroy();
    await keyring.close();
  }
}

/** The report in a few lines for people: what it holds, what was scanned, what was found. */
export function summarizeResidencyReport(report: ResidencyReport): string[] {
  const scan = report.clearCardScan;
  const values = scan.tables.reduce((n, t) => n + t.values, 0);
  const valueBytes = scan.tables.reduce((n, t) => n + t.bytes, 0);
  const fileBytes = scan.files.reduce((n, f) => n + f.bytes, 0);
  const cards = report.cards.map(
    (c) => `•••• ${c.last4} ${c.network} ${c.state}${c.account === 'guest' ? ' (guest)' : ''}`,
  );
  const audit =
    report.auditChain.status === 'not-checked'
      ? `not checked (${report.auditChain.reason})`
      : `${report.auditChain.status}, ${report.auditChain.rows} rows, ${report.auditChain.checkpoints} checkpoints`;
  return [
    `region ${report.region}: ${report.cards.length} card(s)${cards.length > 0 ? `: ${cards.join(', ')}` : ''}; ${report.vault.records} sealed vault record(s)`,
    `  accounts: ${report.accounts.registered.length} registered, ${report.accounts.guests.length} guest; redirected to: ${report.redirects.map((r) => `${r.region} (${r.accounts})`).join(', ') || 'none'}`,
    `  scanned ${values} values (${valueBytes} bytes) in ${scan.tables.length} tables and ${fileBytes} bytes in ${scan.files.length} files for card numbers in clear: ${scan.findings.length === 0 ? 'none found' : `${scan.findings.length} found`}`,
    ...scan.findings.map((f) => `  FOUND •••• ${f.last4} in clear at ${f.location}`),
    `  audit chain: ${audit}`,
    `  keys: ${report.keys.map((k) => `${k.purpose} ${k.kid.length > 12 ? `${k.kid.slice(0, 12)}…` : k.kid} (${k.store}, ${k.ageDays} d)`).join(', ')}`,
    report.verdict.clean ? '  verdict: clean' : `  verdict: ${report.verdict.problems.join('; ')}`,
  ];
}

interface ReportOptions {
  region: string;
  dir: string;
  db: string;
  format: string;
  out: string;
  log: string[];
  json?: boolean;
}

/** `domicile residency report` and `domicile residency verify`. */
export function registerResidencyCommands(program: Command, io: CliIo): void {
  const residency = program
    .command('residency')
    .description("a region's residency report, for auditors and regulators");

  residency
    .command('report')
    .description(
      'write the signed residency report of a region (running or stopped; its database is only read); exit 1 when it finds a problem',
    )
    .requiredOption('--region <id>', "the region's id in the directory")
    .requiredOption('--dir <dir>', 'deployment folder (directory.jws, keys/)')
    .requiredOption('--db <url>', 'sqlite:/path/region.db or postgres://…')
    .requiredOption('--out <file>', 'where to write the report')
    .option('--format <format>', 'json (signed, for `residency verify`) or html (to read)', 'json')
    .option('--log <file...>', "the region's log files, scanned byte for byte", [])
    .option('--json', 'print the summary as JSON')
    .action(async (opts: ReportOptions) => {
      if (opts.format !== 'json' && opts.format !== 'html')
        throw new UsageError('CONFIG_INVALID', { option: '--format', reason: 'json or html' });
      const signed = await produceResidencyReport({
        region: opts.region,
        dir: opts.dir,
        databaseUrl: opts.db,
        logFiles: opts.log,
        now: new Date(io.parts.now()),
      });
      const kid = peekHeader(signed.jws)?.kid ?? '';
      await writeFile(
        opts.out,
        opts.format === 'json'
          ? `${JSON.stringify(signed, null, 2)}\n`
          : renderResidencyReportHtml(signed.report, { kid }),
      );
      const { report } = signed;
      io.print(opts, { out: opts.out, format: opts.format, kid, verdict: report.verdict }, () => [
        ...summarizeResidencyReport(report),
        opts.format === 'json'
          ? `written to ${opts.out} (signed with key ${kid})`
          : `written to ${opts.out} (to read; the signed report is --format json)`,
      ]);
      if (!report.verdict.clean) throw new CommandFailed('the residency report found problems');
    });

  residency
    .command('verify')
    .description(
      "check a residency report's signature against the signed directory; exit 0 when it verifies, 1 when not",
    )
    .argument('<file>', 'the JSON report `residency report --format json` wrote')
    .requiredOption(
      '--dir <dir>',
      'deployment folder (directory.jws, keys/authority.public.jwk.json)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { dir: string; json?: boolean }) => {
      const directory = await readVerifiedDirectory(opts.dir);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        throw new DomicileError('RESIDENCY_REPORT_MALFORMED', {
          details: { file, reason: 'unreadable' },
          cause,
        });
      }
      const verified = await verifyResidencyReport(text, directory);
      io.print(
        opts,
        {
          verified: true,
          region: verified.region,
          kid: verified.kid,
          generatedAt: verified.report.generatedAt,
          clean: verified.report.verdict.clean,
        },
        (v) =>
          `residency report of region ${v.region} (${v.generatedAt}) verified with key ${v.kid}; its verdict: ${v.clean ? 'clean' : 'problems found'}`,
      );
    });
}
