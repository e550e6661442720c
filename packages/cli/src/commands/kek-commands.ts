import type { Command } from 'commander';
import { UsageError, type CliIo } from '../io/index.js';
import { followRewrap, progressLine, retireKek, rotateVaultKek } from './kek-rotation.js';

interface KekOptions {
  region: string;
  dir: string;
  purpose: string;
  db?: string;
  wait?: boolean;
  intervalMs: string;
  timeoutMs?: string;
  json?: boolean;
}

/**
 * The vault KEK's part of `domicile keys rotate` and `keys retire`, and `keys rewrap-status`.
 * The signing, encryption and TSM keys rotate by the same commands: their `--purpose` values
 * are dispatched to their own handlers; this file knows only `kek`.
 */
export function registerKekCommands(program: Command, io: CliIo): void {
  const keys =
    program.commands.find((c) => c.name() === 'keys') ??
    program
      .command('keys')
      .description('key management for the directory authority and the regions');

  keys
    .command('rotate')
    .description(
      "make a new region key: with --purpose kek, a new vault KEK, current for new records; the region's nodes, restarted with it, re-wrap every record in the background",
    )
    .requiredOption('--region <id>', "the region's id")
    .requiredOption('--purpose <purpose>', 'which key: kek')
    .requiredOption('--dir <dir>', 'deployment folder (keys/<region>.keys.json)')
    .option('--db <url>', "the region's database, to follow the re-wrap with --wait")
    .option('--wait', 'wait until every record is re-wrapped (needs --db and a running region)')
    .option('--interval-ms <n>', 'how often --wait reads the progress', '1000')
    .option('--timeout-ms <n>', 'give up waiting after this long')
    .option('--json', 'print the result as JSON')
    .action(async (opts: KekOptions) => {
      kekOnly(opts.purpose);
      if (opts.wait === true) needsDb(opts.db);
      const rotation = await rotateVaultKek(opts.dir, opts.region);
      io.print(opts, rotation, (r) => [
        `vault KEK ${r.kekId} is now the current one of region ${r.region} (${r.keyFile})`,
        `restart the region's nodes: they wrap new records under it and re-wrap ${r.previous.join(', ')} records in the background`,
      ]);
      if (opts.wait === true) await follow(opts, true);
    });

  keys
    .command('rewrap-status')
    .description(
      "how far the vault's re-wrap to the current KEK is, read from the region's database",
    )
    .requiredOption('--region <id>', "the region's id")
    .requiredOption('--dir <dir>', 'deployment folder (keys/<region>.keys.json)')
    .requiredOption('--db <url>', 'sqlite:/path/region.db or postgres://…')
    .option('--wait', 'show progress until every record is re-wrapped')
    .option('--interval-ms <n>', 'how often --wait reads the progress', '1000')
    .option('--timeout-ms <n>', 'give up waiting after this long')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Omit<KekOptions, 'purpose'>) => {
      await follow(opts, opts.wait === true);
    });

  keys
    .command('retire')
    .description(
      'remove an old region key: with --purpose kek, a vault KEK no record uses any more, from the key file',
    )
    .requiredOption('--region <id>', "the region's id")
    .requiredOption('--purpose <purpose>', 'which key: kek')
    .requiredOption('--id <kekId>', 'the KEK to retire (`keys rewrap-status` lists those in use)')
    .requiredOption('--dir <dir>', 'deployment folder (keys/<region>.keys.json)')
    .requiredOption('--db <url>', "the region's database: refused while records use the KEK")
    .option('--json', 'print the result as JSON')
    .action(async (opts: KekOptions & { id: string; db: string }) => {
      kekOnly(opts.purpose);
      const retired = await retireKek(opts.dir, opts.region, opts.db, opts.id);
      io.print(
        opts,
        retired,
        (r) => `vault KEK ${r.kekId} of region ${r.region} retired: removed from ${r.keyFile}`,
      );
    });

  async function follow(opts: Omit<KekOptions, 'purpose'>, wait: boolean): Promise<void> {
    const progress = await followRewrap(io, {
      dir: opts.dir,
      region: opts.region,
      databaseUrl: needsDb(opts.db),
      wait,
      intervalMs: count(opts.intervalMs, '--interval-ms'),
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: count(opts.timeoutMs, '--timeout-ms') }),
    });
    io.print(opts, progress, (p) => [
      progressLine(p),
      ...p.byKek.map((kek) => `  ${kek.kekId.padEnd(24)} ${kek.records}`),
    ]);
  }
}

/** Only the KEK rotates here: the other purposes are not this command's. */
function kekOnly(purpose: string): void {
  if (purpose !== 'kek')
    throw new UsageError('CONFIG_INVALID', {
      option: '--purpose',
      reason: 'expected kek (signing, encryption and tsm keys are rotated by their own handler)',
    });
}

function needsDb(db: string | undefined): string {
  if (db === undefined)
    throw new UsageError('CONFIG_INVALID', { option: '--db', reason: '--wait needs --db' });
  return db;
}

function count(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError('CONFIG_INVALID', { option, reason: 'expected a positive integer' });
  return n;
}
