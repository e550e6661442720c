import { definedProps } from '@domicile/protocol';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  generateKeys,
  paths,
  readRegionsConfig,
  nextSerial,
  rotateAuthorityKey,
  signDeploymentDirectory,
} from '../deployment/deployment-files.js';
import { UsageError, type CliIo } from '../io/index.js';
import { hsmOf, withHsmOptions, type HsmOptions } from './hsm-options.js';
import { registerKeyRotateCommand } from './key-rotation-commands.js';

/** `domicile keys …`, `domicile directory …` and `domicile authority …`: the directory authority's tools. */
export function registerAuthorityCommands(program: Command, io: CliIo): void {
  const keys = program
    .command('keys')
    .description('key management for the directory authority and the regions');
  const generate = keys
    .command('generate')
    .description(
      "generate the authority key and every region's signing, encryption and TSM keys and secrets",
    )
    .requiredOption('--config <file>', 'regions YAML', 'config/regions.yaml')
    .requiredOption('--out <dir>', 'deployment folder (keys go to <dir>/keys)')
    .option('--force', 'replace key files that exist (else nothing is written)');
  withHsmOptions(
    generate,
    "make each region's signing key, TSM key and vault KEK in a PKCS#11 token (not extractable); the key files keep their public halves",
  )
    .option('--json', 'print JSON')
    .action(async (opts: GenerateOptions) => {
      const hsm = hsmOf(opts);
      const config = await readRegionsConfig(opts.config);
      await generateKeys(opts.out, config, {
        force: opts.force === true,
        ...(hsm === undefined ? {} : { hsm }),
      });
      const written = {
        dir: opts.out,
        hsm: hsm !== undefined,
        authority: {
          privateKey: paths.authorityPrivate(opts.out),
          publicKey: paths.authorityPublic(opts.out),
        },
        regions: Object.fromEntries(
          config.regions.map((r) => [r.id, paths.regionKeys(opts.out, r.id)]),
        ),
        networks: Object.fromEntries(
          (config.networks ?? []).map((n) => [n.id, paths.networkKey(opts.out, n.id)]),
        ),
      };
      io.print(
        opts,
        written,
        () =>
          `keys for authority, ${[...config.regions, ...(config.networks ?? [])].map((r) => r.id).join(', ')} written to ${join(opts.out, 'keys')}` +
          (hsm === undefined ? '' : ' (signing, TSM and KEK in the PKCS#11 token)'),
      );
    });
  registerKeyRotateCommand(keys, io);

  program
    .command('directory')
    .description('the signed region directory')
    .command('sign')
    .description(
      "build the region directory from the config and the regions' keys not yet expired, signed by the authority",
    )
    .requiredOption('--config <file>', 'regions YAML', 'config/regions.yaml')
    .requiredOption('--dir <dir>', 'deployment folder made by `keys generate`')
    .option('--serial <n>', 'directory serial number (default: one more than the current one)')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; dir: string; serial?: string; json?: boolean }) => {
      const config = await readRegionsConfig(opts.config);
      const serial = opts.serial === undefined ? await nextSerial(opts.dir) : Number(opts.serial);
      if (!Number.isSafeInteger(serial) || serial < 1)
        throw new UsageError('VALIDATION_FAILED', {
          option: '--serial',
          reason: 'expected an integer, 1 or more',
        });
      await signDeploymentDirectory(opts.dir, config, { serial });
      const signed = {
        file: paths.directory(opts.dir),
        serial,
        regions: config.regions.map((r) => r.id),
        networks: (config.networks ?? []).map((n) => n.id),
      };
      io.print(
        opts,
        signed,
        (d) => `directory #${d.serial} of ${d.regions.length} regions signed: ${d.file}`,
      );
    });

  program
    .command('authority')
    .description('the directory authority key')
    .command('rotate')
    .description(
      'replace the authority key and sign the directory with the old and the new key: holders of the old key accept it and pin the new one',
    )
    .requiredOption('--config <file>', 'regions YAML', 'config/regions.yaml')
    .requiredOption('--dir <dir>', 'deployment folder made by `keys generate`')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; dir: string; json?: boolean }) => {
      const config = await readRegionsConfig(opts.config);
      const rotated = await rotateAuthorityKey(opts.dir);
      await signDeploymentDirectory(opts.dir, config);
      const result = {
        kid: rotated.kid,
        previousKid: rotated.previousKid,
        ...definedProps({ droppedKid: rotated.droppedKid }),
        directory: paths.directory(opts.dir),
        previousKeyFile: paths.authorityPrevious(opts.dir),
      };
      io.print(opts, result, (r) =>
        [
          `authority key ${r.kid} replaces ${r.previousKid}; directory signed by both: ${r.directory}`,
          ...(r.droppedKid === undefined
            ? []
            : [
                `the key before it (${r.droppedKid}) no longer signs: holders still pinning it must be given the authority key again`,
              ]),
          `once every device and region has the new directory, delete ${r.previousKeyFile} and sign again`,
        ].join('\n'),
      );
    });
}

interface GenerateOptions extends HsmOptions {
  config: string;
  out: string;
  force?: boolean;
  json?: boolean;
}
