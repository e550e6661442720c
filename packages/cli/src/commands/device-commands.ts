import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import {
  Wallet,
  describeStep,
  sandboxIdvHooks,
  type AddCardHooks,
  type AppletView,
  type WalletRuntimeOptions,
} from '@domicile/device';
import { DomicileError, isPublicP256Jwk, type PublicJwk, definedProps } from '@domicile/protocol';
import { openWallet, passphraseOf, withWalletOptions, type WalletOpts } from './wallet-options.js';

/** What the device commands need from the process; tests replace any part. */
export interface DeviceCommandIo {
  readonly out: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readStdin: () => Promise<string>;
  /** Asks the user a question; undefined when there is no terminal to ask on. */
  readonly prompt: ((question: string) => Promise<string>) | undefined;
  readonly runtime: WalletRuntimeOptions;
}

async function defaultPrompt(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  // Questions go to stderr, so that stdout stays machine-readable.
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const DEFAULT_IO: DeviceCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  env: process.env,
  readStdin: () => readAll(process.stdin),
  prompt: process.stdin.isTTY ? defaultPrompt : undefined,
  runtime: {},
};

function invalid(field: string, reason?: string): DomicileError {
  return new DomicileError('VALIDATION_FAILED', {
    details: { field, ...definedProps({ reason }) },
  });
}

async function readJsonFile(path: string, field: string, io: DeviceCommandIo): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await io.readStdin() : await readFile(path, 'utf8');
  } catch (cause) {
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field, reason: 'unreadable' },
      cause,
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    // No cause: the text may be a card number.
    throw invalid(field, 'not JSON');
  }
}

/** A public JWK, a JWKS with one key, or `{ publicJwk }`; a private key is refused, not stripped. */
function authorityKeyOf(value: unknown): PublicJwk {
  const v = value as { keys?: unknown[]; publicJwk?: unknown } | null;
  const jwk: unknown =
    Array.isArray(v?.keys) && v.keys.length === 1 ? v.keys[0] : (v?.publicJwk ?? value);
  if (typeof jwk === 'object' && jwk !== null && 'd' in jwk)
    throw invalid('authority-key', 'a private key: give the public key only');
  if (!isPublicP256Jwk(jwk)) throw invalid('authority-key', 'not a P-256 public JWK');
  // Only the key itself: members such as key_ops or ext from an export are not the directory's business.
  const { kty, crv, x, y } = jwk;
  const kid = (jwk as { kid?: unknown }).kid;
  return { kty, crv, x, y, ...(typeof kid === 'string' ? { kid } : {}) } as PublicJwk;
}

function cardOf(value: unknown): { pan: string; expiry: string; cvv: string; name: string } {
  const c = value as Record<string, unknown> | null;
  const field = (name: string): string => {
    const v = c?.[name];
    if (typeof v !== 'string') throw invalid(name);
    return v;
  };
  return { pan: field('pan'), expiry: field('expiry'), cvv: field('cvv'), name: field('name') };
}

function cardLine(c: AppletView): string {
  return `${c.region.padEnd(4)} ${c.network.padEnd(10)} •••• ${c.last4}  token •••• ${c.tokenLast4}  ${c.state}`;
}

function addCardHooks(
  opts: { acceptTerms?: boolean; otp?: string; sandboxOtp?: boolean; json?: boolean },
  io: DeviceCommandIo,
  interactive: boolean,
): AddCardHooks {
  const ask = interactive ? io.prompt : undefined;
  const sandbox =
    opts.sandboxOtp === true
      ? sandboxIdvHooks(definedProps({ fetch: io.runtime.fetch }))
      : undefined;
  return {
    async acceptTerms(terms) {
      if (opts.acceptTerms === true) return true;
      if (ask === undefined) return false;
      return /^y(es)?$/i.test(
        (await ask(`${terms.text}\nAccept these terms (${terms.id})? [y/N] `)).trim(),
      );
    },
    async chooseIdvMethod(methods, context) {
      if (sandbox !== undefined) return sandbox.chooseIdvMethod(methods, context);
      const codeMethods = methods.filter((m) => m.kind !== 'issuer_app');
      if (opts.otp !== undefined || ask === undefined || methods.length === 1)
        return (codeMethods[0] ?? methods[0])?.id ?? '';
      const list = methods.map((m, i) => `  ${i + 1}. ${m.kind} to ${m.target}`).join('\n');
      return methods[Number(await ask(`${list}\nVerify by [1-${methods.length}]: `)) - 1]?.id ?? '';
    },
    async readOtp(context) {
      if (sandbox !== undefined) return sandbox.readOtp(context);
      // A code given on the command line is tried once: repeating a wrong code only burns a try.
      if (opts.otp !== undefined) {
        if (context.attempt > 1)
          throw new DomicileError(
            'IDV_CODE_INVALID',
            context.triesLeft === undefined ? {} : { details: { triesLeft: context.triesLeft } },
          );
        return opts.otp;
      }
      if (ask === undefined) throw invalid('otp', 'pass --otp or --sandbox-otp');
      return ask(`Code sent by ${context.method.kind} to ${context.method.target}: `);
    },
    onStep: (event) => {
      io.out(opts.json === true ? JSON.stringify(event) : describeStep(event));
    },
  };
}

/**
 * Adds `device create|register|add-card|cards|notifications` to the CLI. Every failure is a
 * DomicileError for `main` to print as `error CODE: message`; card numbers only ever appear masked.
 */
export function registerDeviceCommands(
  program: Command,
  ioOverrides: Partial<DeviceCommandIo> = {},
): Command {
  const io: DeviceCommandIo = { ...DEFAULT_IO, ...ioOverrides };
  const device = program
    .command('device')
    .description('a wallet device: secure element, cards, push notifications');

  withWalletOptions(
    device.command('create').description('create a wallet file with new device keys'),
  )
    .requiredOption('--authority-key <file>', 'the directory authority public key (JWK) to pin')
    .requiredOption('--bootstrap <url>', 'any region base URL to fetch the signed directory from')
    .requiredOption('--home <region>', 'home region id')
    .action(
      async (opts: WalletOpts & { authorityKey: string; bootstrap: string; home: string }) => {
        const authorityKey = authorityKeyOf(
          await readJsonFile(opts.authorityKey, 'authority-key', io),
        );
        const wallet = await Wallet.create({
          path: opts.wallet,
          passphrase: await passphraseOf(opts, io.env),
          authorityKey,
          bootstrapUrl: opts.bootstrap,
          homeRegion: opts.home,
          ...io.runtime,
        });
        const info = {
          wallet: wallet.path,
          homeRegion: wallet.homeRegion,
          deviceJkt: wallet.deviceJkt,
          directorySerial: wallet.directory.document.serial,
          regions: wallet.directory.regions.map((r) => r.id),
        };
        io.out(
          opts.json === true
            ? JSON.stringify(info)
            : `wallet ${info.wallet} created: home ${info.homeRegion}, device ${info.deviceJkt}, directory #${info.directorySerial} (${info.regions.join(', ')})`,
        );
      },
    );

  withWalletOptions(
    device.command('register').description('register the user and this device in the home region'),
  )
    .requiredOption('--name <name>', 'your name')
    .requiredOption('--email <email>', 'your e-mail address')
    .option('--model <model>', 'device model')
    .action(async (opts: WalletOpts & { name: string; email: string; model?: string }) => {
      const wallet = await openWallet(opts, io.env, io.runtime);
      const account = await wallet.register({
        name: opts.name,
        email: opts.email,
        ...definedProps({ model: opts.model }),
      });
      io.out(
        opts.json === true
          ? JSON.stringify(account)
          : `registered in ${account.region}: account ${account.accountId}, device ${account.deviceId}`,
      );
    });

  withWalletOptions(
    device
      .command('add-card')
      .description(
        'provision a card (JSON { pan, expiry: "MM/YY", cvv, name } from a file or - for stdin)',
      ),
  )
    .requiredOption(
      '--card <file>',
      'card JSON file, or - to read it from stdin (keeps the number out of shell history)',
    )
    .option('--accept-terms', "accept the issuer's terms without asking")
    .addOption(
      new Option('--otp <code>', 'the one-time code, if you already have it').conflicts(
        'sandboxOtp',
      ),
    )
    .addOption(
      new Option('--sandbox-otp', "read the code from the sandbox region's outbox").conflicts(
        'otp',
      ),
    )
    .option('--timeout <seconds>', 'how long to wait for card art and script', '30')
    .action(
      async (
        opts: WalletOpts & {
          card: string;
          acceptTerms?: boolean;
          otp?: string;
          sandboxOtp?: boolean;
          timeout: string;
        },
      ) => {
        const card = cardOf(await readJsonFile(opts.card, 'card', io));
        const wallet = await openWallet(opts, io.env, io.runtime);
        const timeout = Number(opts.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0) throw invalid('timeout');
        const result = await wallet.addCard(card, addCardHooks(opts, io, opts.card !== '-'), {
          activationTimeoutMs: timeout * 1000,
        });
        io.out(opts.json === true ? JSON.stringify(result) : cardLine(result));
      },
    );

  withWalletOptions(
    device.command('cards').description('list the cards in the secure element'),
  ).action(async (opts: WalletOpts) => {
    const cards = (await openWallet(opts, io.env, io.runtime)).cards();
    if (opts.json === true) io.out(JSON.stringify(cards));
    else if (cards.length === 0) io.out('no cards');
    else for (const c of cards) io.out(cardLine(c));
  });

  withWalletOptions(
    device
      .command('notifications')
      .description('read push notifications from every region the wallet uses'),
  )
    .option('--follow', 'keep following the streams until interrupted')
    .action(async (opts: WalletOpts & { follow?: boolean }) => {
      const wallet = await openWallet(opts, io.env, io.runtime);
      const print = (h: {
        region: string;
        notification: { id: number; data: { type: string; tokenRef: string } };
        outcome: string;
      }): void => {
        io.out(
          opts.json === true
            ? JSON.stringify(h)
            : `${h.region} #${h.notification.id} ${h.notification.data.type} ${h.notification.data.tokenRef}: ${h.outcome}`,
        );
      };
      if (opts.follow !== true) {
        for (const region of wallet.regions())
          for (const h of await wallet.syncNotifications(region)) print(h);
        return;
      }
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        await wallet.followNotifications({
          signal: stop.signal,
          onNotification: print,
          onStep: (e) => opts.json === true || io.out(describeStep(e)),
        });
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    });
  return device;
}
