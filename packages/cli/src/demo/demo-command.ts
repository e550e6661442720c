import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CommandFailed, type CliIo } from '../io/index.js';
import type { DemoData } from './demo-data.js';
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
    .option(
      '--json',
      'narrate on stderr; print where the data is and the payments as one JSON document on stdout',
    )
    .option(
      '--open',
      'after the story, keep the regions running and serve the wallet page; print the console and wallet URLs (Ctrl-C stops)',
    )
    .action(async (opts: { dataDir?: string; config: string; json?: boolean; open?: boolean }) => {
      const dir =
        opts.dataDir === undefined
          ? await mkdtemp(join(tmpdir(), 'domicile-demo-'))
          : resolve(opts.dataDir);
      const json = opts.json === true;
      const ok = await runDemo({
        dir,
        configFile: opts.config,
        io: json ? { out: io.err } : io,
        ...(json ? { onData: (data: DemoData) => io.print(opts, data, () => []) } : {}),
        ...(opts.open === true ? { open: { untilInterrupted: () => io.untilInterrupted() } } : {}),
      });
      // The demo narrates its own failure.
      if (!ok) throw new CommandFailed();
    });
}
