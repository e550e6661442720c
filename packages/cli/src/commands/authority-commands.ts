import type { Command } from 'commander';
import type { Pkcs11TokenOptions } from '@domicile/region';
import {
  generateKeys,
  paths,
  readRegionsConfig,
  signDeploymentDirectory,
} from '../deployment/deployment-files.js';
import { UsageError, type CliIo } from '../io/index.js';

/** `domicile keys …` and `domicile directory …`: the directory authority's tools. */
export function registerAuthorityCommands(program: Command, io: CliIo): void {
  program
    .command('keys')
    .description('key management for the directory authority and the regions')
    .command('generate')
    .description(
      "generate the authority key and every region's signing, encryption and TSM keys and secrets",
    )
    .requiredOption('--config <file>', 'regions YAML', 'config/regions.yaml')
    .requiredOption('--out <dir>', 'deployment folder (keys go to <dir>/keys)')
    .option(
      '--hsm',
      "make each region's signing key, TSM key and vault KEK in a PKCS#11 token (not extractable); the key files keep their public halves",
    )
    .option('--module <file>', "with --hsm: the HSM vendor's PKCS#11 library")
    .option('--token-label <label>', 'with --hsm: the token, by label')
    .option('--slot <id>', 'with --hsm: the token, by slot id')
    .option('--pin-file <file>', "with --hsm: file holding the token's user PIN, alone on one line")
    .action(async (opts: GenerateOptions) => {
      const hsm = hsmOf(opts);
      const config = await readRegionsConfig(opts.config);
      await generateKeys(opts.out, config, hsm === undefined ? {} : { hsm });
      io.out(
        `keys for authority and ${config.regions.map((r) => r.id).join(', ')} written to ${opts.out}/keys` +
          (hsm === undefined ? '' : ' (signing, TSM and KEK in the PKCS#11 token)'),
      );
    });

  program
    .command('directory')
    .description('the signed region directory')
    .command('sign')
    .description(
      "build the region directory from the config and the regions' public keys, signed by the authority",
    )
    .requiredOption('--config <file>', 'regions YAML', 'config/regions.yaml')
    .requiredOption('--dir <dir>', 'deployment folder made by `keys generate`')
    .option('--serial <n>', 'directory serial number (default: now, in seconds)')
    .action(async (opts: { config: string; dir: string; serial?: string }) => {
      const config = await readRegionsConfig(opts.config);
      await signDeploymentDirectory(
        opts.dir,
        config,
        opts.serial === undefined ? {} : { serial: Number(opts.serial) },
      );
      io.out(`directory of ${config.regions.length} regions signed: ${paths.directory(opts.dir)}`);
    });
}

interface GenerateOptions {
  config: string;
  out: string;
  hsm?: boolean;
  module?: string;
  tokenLabel?: string;
  slot?: string;
  pinFile?: string;
}

/** The token `keys generate --hsm` makes the keys in; its options only with `--hsm`. */
function hsmOf(opts: GenerateOptions): Pkcs11TokenOptions | undefined {
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
