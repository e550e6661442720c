import { readFileSync } from 'node:fs';
import { Command, type ParseOptions } from 'commander';
import { processIo, type CliIo, type ExitCode } from './io/index.js';

/** Adds one command file's commands to the program. */
type Register = (program: Command, io: CliIo) => unknown;

/** A top-level command, and the files that define it (in order: the first one creates it). */
interface CommandGroup {
  readonly name: string;
  /** Shown by `domicile --help`, which loads no command file: the same as the file's own. */
  readonly description: string;
  readonly load: readonly (() => Promise<Register>)[];
}

/**
 * Every top-level command. A command's files (and the packages they import: the region server,
 * the wallet SDK, …) are loaded only when the command line names it, so `domicile --help` and
 * `--version` load none of them. A new command file is one line in its group's `load` (or a new
 * group); several files may add subcommands to one group, such as `device` or `region`.
 */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    name: 'demo',
    description:
      'start regions us, eu and cn on loopback and run the provisioning story end to end',
    load: [async () => (await import('./demo/demo-command.js')).registerDemoCommand],
  },
  {
    name: 'keys',
    description: 'key management for the directory authority and the regions',
    load: [
      async () => (await import('./commands/authority-commands.js')).registerAuthorityCommands,
      async () => (await import('./commands/kek-commands.js')).registerKekCommands,
    ],
  },
  {
    name: 'directory',
    description: 'the signed region directory',
    load: [
      async () => (await import('./commands/authority-commands.js')).registerAuthorityCommands,
    ],
  },
  {
    name: 'authority',
    description: 'the directory authority key',
    load: [
      async () => (await import('./commands/authority-commands.js')).registerAuthorityCommands,
    ],
  },
  {
    name: 'region',
    description: 'region server',
    load: [
      async () => (await import('./commands/region-commands.js')).registerRegionCommands,
      async () => (await import('./commands/seed-commands.js')).registerSeedCommands,
    ],
  },
  {
    name: 'device',
    description: 'a wallet device: secure element, cards, push notifications',
    load: [
      async () => (await import('./commands/device-commands.js')).registerDeviceCommands,
      async () =>
        (await import('./commands/device-lifecycle-commands.js')).registerDeviceLifecycleCommands,
      async () => (await import('./commands/device-pay-commands.js')).registerDevicePayCommands,
      async () =>
        (await import('./commands/device-accounts-commands.js')).registerDeviceAccountCommands,
    ],
  },
  {
    name: 'wallet',
    description: 'the wallet in the browser: a web page that is a complete device',
    load: [async () => (await import('./commands/wallet-commands.js')).registerWalletCommands],
  },
  {
    name: 'issuer',
    description: "an issuer acting on its tokens through a region's issuer API",
    load: [
      async () => (await import('./commands/issuer-commands.js')).registerIssuerCommands,
      async () => (await import('./commands/issuer-token-commands.js')).registerIssuerTokenCommands,
      async () =>
        (await import('./commands/issuer-push-payload-commands.js'))
          .registerIssuerPushPayloadCommands,
    ],
  },
  {
    name: 'operator',
    description: 'operators of a region: tokens for its support API (`support …`)',
    load: [async () => (await import('./commands/operator-commands.js')).registerOperatorCommands],
  },
  {
    name: 'audit',
    description: "a region's audit log (hash chain)",
    load: [async () => (await import('./commands/audit-commands.js')).registerAuditCommands],
  },
  {
    name: 'residency',
    description: "a region's residency report, for auditors and regulators",
    load: [
      async () => (await import('./commands/residency-commands.js')).registerResidencyCommands,
    ],
  },
  {
    name: 'sandbox',
    description: 'the built-in sandbox issuer',
    load: [async () => (await import('./commands/sandbox-commands.js')).registerSandboxCommands],
  },
  {
    name: 'support',
    description: 'operator support API of a home region',
    load: [async () => (await import('./commands/support-commands.js')).registerSupportCommands],
  },
  {
    name: 'emv',
    description: 'EMV application cryptograms (test and diagnostics)',
    load: [async () => (await import('./commands/emv-commands.js')).registerEmvCommands],
  },
  {
    name: 'network',
    description: 'a card network: its router, and requests as an acquirer sends them',
    load: [async () => (await import('./commands/network-commands.js')).registerNetworkCommands],
  },
];

/** The CLI package's version (`packages/cli/package.json`: one folder up from `src/` and `dist/`). */
function cliVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** The top-level command a command line names (`domicile help region` names `region`). */
function groupNamed(args: readonly string[]): CommandGroup | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMAND_GROUPS.find((group) => group.name === name);
}

/**
 * The program: its commands are added when it parses a command line, those of the command it
 * names in full and the others by name and description only (for the help and the "did you mean").
 */
class DomicileProgram extends Command {
  #loaded = false;

  constructor(private readonly io: CliIo) {
    super('domicile');
  }

  override async parseAsync(argv?: readonly string[], options?: ParseOptions): Promise<this> {
    const args = argv ?? process.argv;
    await this.addCommands(options?.from === 'user' ? args : args.slice(2));
    return super.parseAsync(argv, options);
  }

  /** Adds the commands once: every later parse sees the same ones. */
  private async addCommands(args: readonly string[]): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    const named = groupNamed(args);
    const registers = await Promise.all(named?.load.map((load) => load()) ?? []);
    for (const register of registers) register(this, this.io);
    for (const group of COMMAND_GROUPS)
      if (!this.commands.some((command) => command.name() === group.name))
        this.command(group.name).description(group.description);
  }
}

/**
 * The `domicile` command line: it parses arguments, calls the SDK or the server, and prints
 * through `io`. Failures are thrown (commander's usage errors too); {@link runCli} prints them.
 * Its commands are loaded by `parseAsync`, for the command line it parses.
 */
export function createProgram(io: CliIo = processIo()): Command {
  return (
    new DomicileProgram(io)
      .description(
        'Provision payment credentials onto wallet devices across regions, keeping card data in its region.',
      )
      .version(cliVersion(), '-V, --version', 'print the version of domicile')
      // Set before the commands are added: each one inherits both.
      .configureOutput({ writeOut: io.parts.stdout, writeErr: io.parts.stderr })
      .exitOverride()
      .showHelpAfterError()
  );
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
