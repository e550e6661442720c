import { Command } from 'commander';
import { registerAuthorityCommands } from './commands/authority-commands.js';
import { registerDeviceCommands } from './commands/device-commands.js';
import { registerEmvCommands } from './commands/emv-commands.js';
import { registerRegionCommands } from './commands/region-commands.js';
import { registerSandboxCommands } from './commands/sandbox-commands.js';
import { registerDemoCommand } from './demo/demo-command.js';

/** The `domicile` command line: it parses arguments, calls the SDK or the server, and prints. */
export function createProgram(): Command {
  const program = new Command('domicile')
    .description('Provision payment credentials onto wallet devices across regions, keeping card data in its region.')
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerAuthorityCommands(program);
  registerRegionCommands(program);
  registerDeviceCommands(program);
  registerSandboxCommands(program);
  registerEmvCommands(program);
  return program;
}
