import { open, type FileHandle } from 'node:fs/promises';
import type { Command } from 'commander';
import { DomicileError, verifyDirectory } from '@domicile/protocol';
import {
  auditSigningKeysOf,
  exportAuditRows,
  openDatabase,
  verifyAuditChain,
  type AuditChainStatus,
} from '@domicile/region';
import { CommandFailed, UsageError, type CliIo } from '../io/index.js';
import { paths, readAuthorityPublicKey, readDirectory } from '../deployment/deployment-files.js';

interface VerifyOptions {
  region: string;
  db: string;
  dir: string;
  json?: boolean;
}

interface ExportOptions {
  region: string;
  db: string;
  since?: string;
  out?: string;
}

/** One line for people: what holds, or the first row (or checkpoint) that fails and how. */
export function formatAuditStatus(region: string, status: AuditChainStatus): string[] {
  const signed =
    status.lastCheckpoint === undefined
      ? 'no checkpoint verified'
      : `last checkpoint at seq ${status.lastCheckpoint.seq} (${status.lastCheckpoint.at})`;
  const summary = `${status.rows} rows, ${status.checkpointsVerified}/${status.checkpoints} checkpoints verified, ${signed}, ${status.unsignedRows} rows after it`;
  const failure = status.firstFailure;
  if (failure === undefined) return [`audit chain of ${region}: ok, ${summary}`];
  const where =
    failure.checkpoint === true
      ? `checkpoint at seq ${failure.seq}`
      : `row seq ${failure.seq}${failure.id === undefined ? '' : ` (id ${failure.id})`}`;
  return [`audit chain of ${region}: FAILS at ${where}: ${failure.reason}`, summary];
}

/** `domicile audit verify` and `domicile audit export`: a region's audit chain, read from its database. */
export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description("a region's audit log (hash chain)");

  audit
    .command('verify')
    .description(
      'check the audit chain and every checkpoint signature (keys from the signed directory); exit 1 naming the first row that fails',
    )
    .requiredOption('--region <id>', "the region's id in the directory")
    .requiredOption('--db <url>', 'sqlite:/path/region.db or postgres://…')
    .requiredOption(
      '--dir <dir>',
      'deployment folder (directory.jws, keys/authority.public.jwk.json)',
    )
    .option('--json', 'print the status as JSON')
    .action(async (opts: VerifyOptions) => {
      const directory = await verifyDirectory(
        await readDirectory(paths.directory(opts.dir)),
        await readAuthorityPublicKey(paths.authorityPublic(opts.dir)),
      );
      if (directory.region(opts.region) === undefined)
        throw new DomicileError('CONFIG_INVALID', {
          details: { reason: `region ${opts.region} is not in the directory` },
        });
      const db = await openDatabase(opts.db);
      let status: AuditChainStatus;
      try {
        status = await verifyAuditChain({
          db,
          region: opts.region,
          signingKeys: auditSigningKeysOf(directory, opts.region),
        });
      } finally {
        await db.destroy();
      }
      io.print(opts, { region: opts.region, ...status }, () =>
        formatAuditStatus(opts.region, status),
      );
      if (!status.ok) throw new CommandFailed('audit chain does not verify');
    });

  audit
    .command('export')
    .description(
      'write the audit rows as JSON lines (one object per row, in chain order) for a SIEM',
    )
    .requiredOption('--region <id>', "the region's id")
    .requiredOption('--db <url>', 'sqlite:/path/region.db or postgres://…')
    .option('--since <seq>', 'only rows after this seq (the last one the SIEM holds)', '0')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--json', 'with --out: print what was written as JSON (the rows are JSON lines anyway)')
    .action(async (opts: ExportOptions & { json?: boolean }) => {
      const since = Number(opts.since ?? '0');
      if (!Number.isSafeInteger(since) || since < 0)
        throw new UsageError('VALIDATION_FAILED', {
          option: '--since',
          reason: 'expected a whole number, 0 or more',
        });
      const file: FileHandle | undefined =
        opts.out === undefined
          ? undefined
          : await open(opts.out, 'w', 0o600).catch((cause: unknown) => {
              throw new UsageError(
                'CONFIG_INVALID',
                { option: '--out', reason: 'unwritable' },
                cause,
              );
            });
      let rows = 0;
      let pending: string[] = [];
      const flush = async (): Promise<void> => {
        const text = pending.join('');
        pending = [];
        if (file === undefined) io.parts.stdout(text);
        else await file.write(text);
      };
      try {
        const db = await openDatabase(opts.db);
        try {
          for await (const row of exportAuditRows(db, { region: opts.region, sinceSeq: since })) {
            pending.push(`${JSON.stringify(row)}\n`);
            rows += 1;
            if (pending.length >= 1_000) await flush();
          }
          if (pending.length > 0) await flush();
        } finally {
          await db.destroy();
        }
      } finally {
        await file?.close();
      }
      if (file === undefined) return;
      if (opts.json === true)
        io.print(opts, { region: opts.region, file: opts.out, rows }, () => '');
      else io.err(`exported ${rows} audit rows of ${opts.region} to ${opts.out ?? ''}`);
    });
}
