import { Command } from 'commander';
import { registerAuthorityCommands } from './commands/authority-commands.js';
import { registerDeviceCommands } from './commands/device-commands.js';
import { registerDeviceLifecycleCommands } from './commands/device-lifecycle-commands.js';
import { registerDevicePayCommands } from './commands/device-pay-commands.js';
import { registerEmvCommands } from './commands/emv-commands.js';
import { registerIssuerCommands } from './commands/issuer-commands.js';
import { registerNetworkCommands } from './commands/network-commands.js';
import { registerRegionCommands } from './commands/region-commands.js';
import { registerResidencyCommands } from './commands/residency-commands.js';
import { registerSandboxCommands } from './commands/sandbox-commands.js';
import { registerSeedCommands } from './commands/seed-commands.js';
import { registerSupportCommands } from './commands/support-commands.js';
import { registerDemoCommand } from './demo/demo-command.js';
import { processIo, type CliIo, type ExitCode } from './io/index.js';

/**
 * The `domicile` command line: it parses arguments, calls the SDK or the server, and prints
 * through `io`. Failures are thrown (commander's usage errors too); {@link runCli} prints them.
 */
export function createProgram(io: CliIo = processIo()): Command {
  const program = new Command('domicile')
    .description(
      'Provision payment credentials onto wallet devices across regions, keeping card data in its region.',
    )
    // Set before the commands are added: each one inherits both.
    .configureOutput({ writeOut: io.parts.stdout, writeErr: io.parts.stderr })
    .exitOverride()
    .showHelpAfterError();
  for (const register of [
    registerDemoCommand,
    registerAuthorityCommands,
    registerRegionCommands,
    registerSeedCommands,
    registerDeviceCommands,
    registerDeviceLifecycleCommands,
    registerDevicePayCommands,
    registerIssuerCommands,
    registerSandboxCommands,
    registerSupportCommands,
    registerEmvCommands,
    registerNetworkCommands,
    registerResidencyCommands,
  ])
    register(program, io);
  return program;
}

/** Runs `domicile` with `args` (without the node and script paths) and returns its exit code. */
export async function runCli(args: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  try {
    await createProgram(io).parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    return io.fail(error);
  }
}
