import type { Command } from 'commander';
import {
  generateKeys,
  paths,
  readRegionsConfig,
  rotateAuthorityKey,
  signDeploymentDirectory,
} from '../deployment/deployment-files.js';
import type { CliIo } from '../io/index.js';
import { registerKeyRotateCommand } from './key-rotation-commands.js';

/** `domicile keys …`, `domicile directory …` and `domicile authority …`: the directory authority's tools. */
export function registerAuthorityCommands(program: Command, io: CliIo): void {
  const keys = program
    .command('keys')
    .description('key management for the directory authority and the regions');
  keys
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
    .action(async (opts: { config: string; dir: string; serial?: string }) => {
      const config = await readRegionsConfig(opts.config);
      await signDeploymentDirectory(
        opts.dir,
        config,
        opts.serial === undefined ? {} : { serial: Number(opts.serial) },
      );
      io.out(`directory of ${config.regions.length} regions signed: ${paths.directory(opts.dir)}`);
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
    .action(async (opts: { config: string; dir: string }) => {
      const config = await readRegionsConfig(opts.config);
      const rotated = await rotateAuthorityKey(opts.dir);
      await signDeploymentDirectory(opts.dir, config);
      io.out(
        `authority key ${rotated.kid} replaces ${rotated.previousKid}; directory signed by both: ${paths.directory(opts.dir)}`,
      );
      if (rotated.droppedKid !== undefined)
        io.err(
          `the key before it (${rotated.droppedKid}) no longer signs: holders still pinning it must be given the authority key again`,
        );
      io.out(
        `once every device and region has the new directory, delete ${paths.authorityPrevious(opts.dir)} and sign again`,
      );
    });
}
