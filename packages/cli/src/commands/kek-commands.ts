import type { Command } from 'commander';
import { UsageError, type CliIo } from '../io/index.js';
import { hsmOf, withHsmOptions, type HsmOptions } from './hsm-options.js';
import { followRewrap, progressLine, retireKek } from './kek-rotation.js';

export interface KekOptions {
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
 * The vault KEK's `keys retire` and `keys rewrap-status`; its rotation is the `kek` entry of
 * `keys rotate` (`key-rotation-commands.ts`).
 */
export function registerKekCommands(program: Command, io: CliIo): void {
  const keys =
    program.commands.find((c) => c.name() === 'keys') ??
    program
      .command('keys')
      .description('key management for the directory authority and the regions');

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
      await printRewrapProgress(io, opts, opts.wait === true);
    });

  const retire = keys
    .command('retire')
    .description(
      'remove an old region key: with --purpose kek, a vault KEK no record uses any more, from the key file (a KEK in the token stays there unless --destroy)',
    )
    .requiredOption('--region <id>', "the region's id")
    .requiredOption('--purpose <purpose>', 'which key: kek')
    .requiredOption('--id <kekId>', 'the KEK to retire (`keys rewrap-status` lists those in use)')
    .requiredOption('--dir <dir>', 'deployment folder (keys/<region>.keys.json)')
    .requiredOption('--db <url>', "the region's database: refused while records use the KEK")
    .option(
      '--destroy',
      "a KEK in the token: destroy its token object too (needs --hsm and the token's options)",
    );
  withHsmOptions(retire, 'with --destroy: the token holding the KEK')
    .option('--json', 'print the result as JSON')
    .action(async (opts: RetireOptions) => {
      kekOnly(opts.purpose);
      const hsm = hsmOf(opts);
      if ((opts.destroy === true) !== (hsm !== undefined))
        throw new UsageError('CONFIG_INVALID', {
          option: opts.destroy === true ? '--hsm' : '--destroy',
          reason: '--destroy and --hsm go together: the token whose KEK object is destroyed',
        });
      const retired = await retireKek(opts.dir, opts.region, opts.db, opts.id, {
        ...(hsm === undefined ? {} : { destroyIn: hsm }),
      });
      io.print(opts, retired, (r) =>
        [
          `vault KEK ${r.kekId} of region ${r.region} retired: removed from ${r.keyFile}`,
          ...(r.store === 'hsm'
            ? [
                r.destroyed
                  ? 'its token object is destroyed'
                  : 'its token object is left in the token (`--destroy --hsm …` removes it)',
              ]
            : []),
        ].join('\n'),
      );
    });
}

interface RetireOptions extends KekOptions, HsmOptions {
  id: string;
  db: string;
  destroy?: boolean;
}

/** Only the KEK rotates here: the other purposes are not this command's. */
function kekOnly(purpose: string): void {
  if (purpose !== 'kek')
    throw new UsageError('CONFIG_INVALID', {
      option: '--purpose',
      reason: 'expected kek (signing, encryption and tsm keys are rotated by their own handler)',
    });
}

export function needsDb(db: string | undefined): string {
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

/**
 * Reads (and with `wait`, follows) the re-wrap's progress from the region's database and prints
 * it: `keys rewrap-status`, and `keys rotate --purpose kek --wait`.
 */
export async function printRewrapProgress(
  io: CliIo,
  opts: Omit<KekOptions, 'purpose'>,
  wait: boolean,
): Promise<void> {
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
