import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CommandFailed, type CliIo } from '../io/index.js';
import { runDemo } from './demo-runner.js';

/** `domicile demo`: the whole story on this machine, narrated; exits non-zero if any step fails. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'start regions us, eu and cn on loopback and run the provisioning story end to end',
    )
    .option(
      '--data-dir <dir>',
      'keep keys, databases, logs and the wallet here (default: a new temporary folder)',
    )
    .option('--config <file>', 'regions YAML', 'config/regions.yaml')
    .action(async (opts: { dataDir?: string; config: string }) => {
      const dir =
        opts.dataDir === undefined
          ? await mkdtemp(join(tmpdir(), 'domicile-demo-'))
          : resolve(opts.dataDir);
      // The demo narrates its own failure.
      if (!(await runDemo({ dir, configFile: opts.config, io }))) throw new CommandFailed();
    });
}
