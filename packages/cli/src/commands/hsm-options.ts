import type { Command } from 'commander';
import type { Pkcs11TokenOptions } from '@domicile/region';
import { UsageError } from '../io/index.js';

/** The options naming a PKCS#11 token, as commander parses them. */
export interface HsmOptions {
  hsm?: boolean;
  module?: string;
  tokenLabel?: string;
  slot?: string;
  pinFile?: string;
}

/** Adds `--hsm` and the token's options (`keys generate`, `keys rotate`, `keys retire`). */
export function withHsmOptions(command: Command, hsmHelp: string): Command {
  return command
    .option('--hsm', hsmHelp)
    .option('--module <file>', "with --hsm: the HSM vendor's PKCS#11 library")
    .option('--token-label <label>', 'with --hsm: the token, by label')
    .option('--slot <id>', 'with --hsm: the token, by slot id')
    .option(
      '--pin-file <file>',
      "with --hsm: file holding the token's user PIN, alone on one line",
    );
}

/**
 * The token `--hsm` names: the module, the PIN file and exactly one of label and slot. Without
 * `--hsm` none of them may be given (a half-given HSM is refused, not ignored).
 */
export function hsmOf(opts: HsmOptions): Pkcs11TokenOptions | undefined {
  const refuse = (option: string, reason: string): UsageError =>
    new UsageError('CONFIG_INVALID', { option, reason });
  if (opts.hsm !== true) {
    const given = (['module', 'tokenLabel', 'slot', 'pinFile'] as const).find(
      (key) => opts[key] !== undefined,
    );
    if (given !== undefined) throw refuse(`--${kebab(given)}`, 'only with --hsm');
    return undefined;
  }
  if (opts.module === undefined) throw refuse('--module', 'required by --hsm');
  if (opts.pinFile === undefined) throw refuse('--pin-file', 'required by --hsm');
  if ((opts.tokenLabel === undefined) === (opts.slot === undefined))
    throw refuse('--token-label', '--hsm needs the token by --token-label or --slot, not both');
  let token: Pkcs11TokenOptions['token'];
  if (opts.slot === undefined) token = { label: opts.tokenLabel ?? '' };
  else {
    const slot = Number(opts.slot);
    if (!/^\d+$/.test(opts.slot) || !Number.isSafeInteger(slot))
      throw refuse('--slot', 'expected a slot id (an integer, 0 or more)');
    token = { slot };
  }
  return { module: opts.module, token, pinFile: opts.pinFile };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
