import { inspect } from 'node:util';
import { CommanderError } from 'commander';
import type { WalletRuntimeOptions } from '@domicile/device';
// The errors alone: `domicile --help` loads this file, and the whole protocol costs half a second.
import { DomicileError, isDomicileError } from '@domicile/protocol/errors';
import { UsageError } from './usage-error.js';

/** What a command may use of the process it runs in; {@link processIo} gives the real ones. */
export interface CliIoParts {
  /** Writes text to standard output, or standard error, as is. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether standard error is a terminal (a progress bar redraws in place on one). */
  readonly stderrIsTty?: boolean;
  /** The environment: the wallet passphrase, `DOMICILE_*` settings. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input, read to its end. */
  readonly readStdin: () => Promise<string>;
  /** Asks the user a question; undefined when there is no terminal to ask on. */
  readonly prompt: ((question: string) => Promise<string>) | undefined;
  /** Every HTTP request a command makes goes through it. */
  readonly fetch: typeof fetch;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Retry and push-stream tuning of the wallet SDK (its fetch and clock are the two above). */
  readonly wallet: Pick<WalletRuntimeOptions, 'retry' | 'stream'>;
  /** Calls `handler` once, on the first SIGINT or SIGTERM; the function returned stops listening. */
  readonly onInterrupt: (handler: () => void) => () => void;
  /**
   * Ends the process at once with `code`, whatever it still holds open (a drain cut short by its
   * bound or by a second signal); an IO for tests does nothing.
   */
  readonly exit: (code: ExitCode) => void;
}

/** How a run ends: 0 success, 1 an operation failed, 2 the command line was wrong. */
export type ExitCode = 0 | 1 | 2;

/**
 * Thrown by a command that has already told the user why it failed (the demo narrates its own
 * failure): the run exits 1 and prints nothing more.
 */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}

/**
 * The one object every command group receives, as hono hands each handler one context: commands
 * print through it (a result as JSON or as lines for people, errors as `error CODE: message`)
 * and reach the process only through its parts, so a test captures and drives all of it.
 */
export class CliIo {
  readonly parts: CliIoParts;

  constructor(parts: CliIoParts) {
    this.parts = parts;
  }

  /** Options for the wallet SDK: this IO's fetch and clock, and the wallet tuning. */
  get walletRuntime(): WalletRuntimeOptions {
    return {
      ...this.parts.wallet,
      fetch: this.parts.fetch,
      now: () => Math.floor(this.parts.now() / 1000),
    };
  }

  /** One line on standard output. */
  readonly out = (line: string): void => {
    this.parts.stdout(`${line}\n`);
  };

  /** One line on standard error: what is not the command's result (progress, questions, errors). */
  readonly err = (line: string): void => {
    this.parts.stderr(`${line}\n`);
  };

  /** Prints a command's result: one line of JSON with `--json`, else `text`'s lines for people. */
  print<T>(
    format: { readonly json?: boolean },
    value: T,
    text: (value: T) => string | readonly string[],
  ): void {
    if (format.json === true) {
      this.out(JSON.stringify(value));
      return;
    }
    const lines = text(value);
    for (const line of typeof lines === 'string' ? [lines] : lines) this.out(line);
  }

  /**
   * Prints why a run failed and returns its exit code. Usage errors (commander's, and a
   * {@link UsageError}) exit 2; a DomicileError prints its code, fixed message and details; any
   * other error prints only its class, since its message might hold data that must not be shown.
   */
  fail(error: unknown): ExitCode {
    if (error instanceof CommanderError) {
      // Commander has printed its usage message already; help and --version end with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CommandFailed) return 1;
    if (isDomicileError(error)) {
      const details = error.details === undefined ? '' : ` ${JSON.stringify(error.details)}`;
      this.err(`error ${error.code}: ${error.message}${details}`);
      return error instanceof UsageError ? 2 : 1;
    }
    this.err(
      `error INTERNAL: Internal error. (${error instanceof Error ? error.name : 'unknown'})`,
    );
    if (this.parts.env.DOMICILE_DEBUG === '1') this.err(inspect(error));
    return 1;
  }

  /** Resolves on the first SIGINT or SIGTERM. */
  untilInterrupted(): Promise<void> {
    return new Promise((resolve) => this.parts.onInterrupt(resolve));
  }

  /**
   * Waits for a server to drain after the first signal (`closing`: in-flight requests answered,
   * workers done with their batch, database closed). If it takes longer than `boundMs`, or a
   * second SIGINT or SIGTERM comes, it says so in one line, calls `flush` (buffered log lines),
   * and ends the process at once, exit 1.
   */
  async drain(closing: Promise<void>, boundMs: number, flush?: () => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let stopListening: () => void = () => undefined;
    const cut = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), boundMs);
      stopListening = this.parts.onInterrupt(() => resolve('second signal'));
    });
    try {
      const reason = await Promise.race([closing.then(() => undefined), cut]);
      if (reason === undefined) return;
      this.fail(new DomicileError('SHUTDOWN_INCOMPLETE', { details: { reason, boundMs } }));
      flush?.();
      this.parts.exit(1);
      throw new CommandFailed('drain cut short');
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  }
}
