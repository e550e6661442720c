import { Command } from 'commander';
import { registerAuthorityCommands } from './commands/authority-commands.js';
import { registerDeviceCommands } from './commands/device-commands.js';
import { registerDeviceLifecycleCommands } from './commands/device-lifecycle-commands.js';
import { registerDevicePayCommands } from './commands/device-pay-commands.js';
import { registerEmvCommands } from './commands/emv-commands.js';
import { registerIssuerCommands } from './commands/issuer-commands.js';
import { registerNetworkCommands } from './commands/network-commands.js';
import { registerRegionCommands } from './commands/region-commands.js';
import { registerSandboxCommands } from './commands/sandbox-commands.js';
import { registerSeedCommands } from './commands/seed-commands.js';
import { registerSupportCommands } from './commands/support-commands.js';
import { registerDemoCommand } from './demo/demo-command.js';

/** The `domicile` command line: it parses arguments, calls the SDK or the server, and prints. */
export function createProgram(): Command {
  const program = new Command('domicile')
    .description(
      'Provision payment credentials onto wallet devices across regions, keeping card data in its region.',
    )
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerAuthorityCommands(program);
  registerRegionCommands(program);
  registerSeedCommands(program);
  registerDeviceCommands(program);
  registerDeviceLifecycleCommands(program);
  registerDevicePayCommands(program);
  registerIssuerCommands(program);
  registerSandboxCommands(program);
  registerSupportCommands(program);
  registerEmvCommands(program);
  registerNetworkCommands(program);
  return program;
}
