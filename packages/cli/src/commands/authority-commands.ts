import { join } from 'node:path';
import type { Command } from 'commander';
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
    .option('--force', 'replace key files that exist (else nothing is written)')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; out: string; force?: boolean; json?: boolean }) => {
      const config = await readRegionsConfig(opts.config);
      await generateKeys(opts.out, config, { force: opts.force === true });
      const written = {
        dir: opts.out,
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
          `keys for authority, ${[...config.regions, ...(config.networks ?? [])].map((r) => r.id).join(', ')} written to ${join(opts.out, 'keys')}`,
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
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; dir: string; serial?: string; json?: boolean }) => {
      const config = await readRegionsConfig(opts.config);
      const serial =
        opts.serial === undefined ? Math.floor(Date.now() / 1000) : Number(opts.serial);
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
}
