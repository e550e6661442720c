import type { Command } from 'commander';
import {
  generateKeys,
  paths,
  readRegionsConfig,
  signDeploymentDirectory,
} from '../deployment/deployment-files.js';
import type { CliIo } from '../io/index.js';

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
    .action(async (opts: { config: string; out: string }) => {
      const config = await readRegionsConfig(opts.config);
      await generateKeys(opts.out, config);
      io.out(
        `keys for authority and ${config.regions.map((r) => r.id).join(', ')} written to ${opts.out}/keys`,
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
