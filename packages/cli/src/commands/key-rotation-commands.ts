import type { Command } from 'commander';
import { describeValidity, type RegionKeyPurpose } from '@domicile/region';
import { rotateRegionKeyFile } from '../deployment/deployment-files.js';
import { UsageError, type CliIo } from '../io/index.js';

/** The options of `domicile keys rotate`, as commander parses them. */
export interface KeysRotateOptions {
  readonly dir: string;
  readonly region: string;
  readonly purpose: string;
  readonly retireAfter: string;
  readonly activateAfter: string;
  readonly json?: boolean;
}

/** What `keys rotate --purpose P` does for one purpose. */
export type KeyRotation = (opts: KeysRotateOptions, io: CliIo) => Promise<void>;

/**
 * One entry per `--purpose`. A purpose with another procedure (the vault KEK: re-wrapping while
 * the region serves) adds its entry here, and its own options to the command below.
 */
export const KEY_ROTATIONS: Readonly<Record<string, KeyRotation>> = {
  signing: rotateJoseKey('signing'),
  encryption: rotateJoseKey('encryption'),
  tsm: rotateJoseKey('tsm'),
};

/** `domicile keys rotate`: registered on the `keys` command. */
export function registerKeyRotateCommand(keys: Command, io: CliIo): Command {
  return keys
    .command('rotate')
    .description(
      "add a new key for a region's purpose; the old one stays accepted until --retire-after (then run `directory sign`)",
    )
    .requiredOption('--dir <dir>', 'deployment folder made by `keys generate`')
    .requiredOption('--region <id>', 'the region whose key rotates')
    .requiredOption('--purpose <purpose>', Object.keys(KEY_ROTATIONS).join('|'))
    .option(
      '--retire-after <duration>',
      'how long the replaced key stays accepted after the new one activates (s, m, h, d)',
      '7d',
    )
    .option(
      '--activate-after <duration>',
      'when the new key starts signing and being encrypted to (0: at once)',
      '0',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: KeysRotateOptions) => {
      const rotation = KEY_ROTATIONS[opts.purpose];
      if (rotation === undefined)
        throw new UsageError('VALIDATION_FAILED', {
          option: '--purpose',
          reason: `one of ${Object.keys(KEY_ROTATIONS).join(', ')}`,
        });
      await rotation(opts, io);
    });
}

function rotateJoseKey(purpose: RegionKeyPurpose): KeyRotation {
  return async (opts, io) => {
    const now = Math.floor(io.parts.now() / 1000);
    const { added, keys } = await rotateRegionKeyFile(opts.dir, opts.region, purpose, {
      now,
      activateAfter: parseDuration(opts.activateAfter, '--activate-after'),
      retireAfter: parseDuration(opts.retireAfter, '--retire-after'),
    });
    const result = {
      region: opts.region,
      purpose,
      kid: added.kid,
      keys: keys[purpose].map((k) => ({
        kid: k.kid,
        notBefore: k.notBefore ?? 0,
        ...(k.notAfter === undefined ? {} : { notAfter: k.notAfter }),
      })),
    };
    io.print(opts, result, (r) => [
      `${r.region} ${r.purpose} key ${r.kid} added; the region's ${r.purpose} keys:`,
      ...keys[purpose].map((k) => `  ${describeValidity(k)}`),
      'next: `domicile directory sign`, then restart every region with the new directory',
    ]);
  };
}

/** `90`, `90s`, `15m`, `12h`, `7d` → seconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null)
    throw new UsageError('VALIDATION_FAILED', { option, reason: 'a duration: 90s, 15m, 12h, 7d' });
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
