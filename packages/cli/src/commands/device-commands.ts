import { Option, type Command } from 'commander';
import {
  Wallet,
  describeStep,
  sandboxIdvHooks,
  type AddCardHooks,
  type AppletView,
} from '@domicile/device';
import { DomicileError, isPublicP256Jwk, type PublicJwk, definedProps } from '@domicile/protocol';
import { UsageError, type CliIo } from '../io/index.js';
import { cardOf, invalid, readInputText, readJsonFile } from './card-file.js';
import { openWallet, passphraseOf, withWalletOptions, type WalletOpts } from './wallet-options.js';

/** A public JWK, a JWKS with one key, or `{ publicJwk }`; a private key is refused, not stripped. */
export function authorityKeyOf(value: unknown): PublicJwk {
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

/** A push payload file: the compact JWT as `issuer push-payload` writes it, or `{ pushPayload }`. */
function pushPayloadOf(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw invalid('push-payload', 'not JSON');
  }
  const payload = (value as { pushPayload?: unknown } | null)?.pushPayload;
  if (typeof payload !== 'string') throw invalid('push-payload', 'no pushPayload member');
  return payload.trim();
}

function cardLine(
  c: Pick<AppletView, 'region' | 'network' | 'last4' | 'tokenLast4' | 'state'>,
): string {
  return `${c.region.padEnd(4)} ${c.network.padEnd(10)} •••• ${c.last4}  token •••• ${c.tokenLast4}  ${c.state}`;
}

interface HandledNotification {
  readonly region: string;
  readonly notification: { readonly id: number; readonly data: { type: string; tokenRef: string } };
  readonly outcome: string;
}

function notificationLine(n: HandledNotification): string {
  return `${n.region} #${n.notification.id} ${n.notification.data.type} ${n.notification.data.tokenRef}: ${n.outcome}`;
}

function addCardHooks(
  opts: { acceptTerms?: boolean; otp?: string; sandboxOtp?: boolean; json?: boolean },
  io: CliIo,
  interactive: boolean,
): AddCardHooks {
  const ask = interactive ? io.parts.prompt : undefined;
  const sandbox = opts.sandboxOtp === true ? sandboxIdvHooks({ fetch: io.parts.fetch }) : undefined;
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
    // Progress, not the result: with --json it goes to stderr, one JSON line per step, so that
    // stdout holds one JSON document. The routing prefix (8 digits of the card number) stays out:
    // no output shows more of a card number than its last 4 digits.
    onStep: (event) => {
      if (opts.json === true)
        io.err(
          JSON.stringify(event, (key, value: unknown) =>
            key === 'routingPrefix' ? undefined : value,
          ),
        );
      else io.out(describeStep(event));
    },
  };
}

/**
 * Adds `device create|register|add-card|cards|notifications` to the CLI. Every failure is a
 * DomicileError for `runCli` to print as `error CODE: message`; card numbers only ever appear masked.
 */
export function registerDeviceCommands(program: Command, io: CliIo): Command {
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
          passphrase: await passphraseOf(opts, io),
          authorityKey,
          bootstrapUrl: opts.bootstrap,
          homeRegion: opts.home,
          ...io.walletRuntime,
        });
        const info = {
          wallet: wallet.path,
          homeRegion: wallet.homeRegion,
          deviceJkt: wallet.deviceJkt,
          directorySerial: wallet.directory.document.serial,
          regions: wallet.directory.regions.map((r) => r.id),
        };
        io.print(
          opts,
          info,
          (i) =>
            `wallet ${i.wallet} created: home ${i.homeRegion}, device ${i.deviceJkt}, directory #${i.directorySerial} (${i.regions.join(', ')})`,
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
      const wallet = await openWallet(opts, io);
      const account = await wallet.register({
        name: opts.name,
        email: opts.email,
        ...definedProps({ model: opts.model }),
      });
      io.print(
        opts,
        account,
        (a) => `registered in ${a.region}: account ${a.accountId}, device ${a.deviceId}`,
      );
    });

  withWalletOptions(
    device
      .command('add-card')
      .description(
        'provision a card: typed (JSON { pan, expiry: "MM/YY", cvv, name } from a file or - for stdin) or pushed by its issuer\'s app (--push-payload)',
      ),
  )
    .addOption(
      new Option(
        '--card <file>',
        'card JSON file, or - to read it from stdin (keeps the number out of shell history)',
      ).conflicts('pushPayload'),
    )
    .addOption(
      new Option(
        '--push-payload <file>',
        "the push payload the issuer's app made for this wallet (`issuer push-payload`), or - for stdin: passed on unopened, no ID&V",
      ).conflicts('card'),
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
          card?: string;
          pushPayload?: string;
          acceptTerms?: boolean;
          otp?: string;
          sandboxOtp?: boolean;
          timeout: string;
        },
      ) => {
        const card =
          opts.pushPayload !== undefined
            ? {
                pushPayload: pushPayloadOf(
                  await readInputText(opts.pushPayload, 'push-payload', io),
                ),
              }
            : opts.card !== undefined
              ? cardOf(await readJsonFile(opts.card, 'card', io))
              : undefined;
        if (card === undefined)
          throw new UsageError('VALIDATION_FAILED', {
            option: '--card',
            reason: 'give --card <file> or --push-payload <file>',
          });
        const wallet = await openWallet(opts, io);
        const timeout = Number(opts.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0)
          throw new UsageError('VALIDATION_FAILED', {
            option: '--timeout',
            reason: 'expected a number of seconds above 0',
          });
        const fromStdin = opts.card === '-' || opts.pushPayload === '-';
        const result = await wallet.addCard(card, addCardHooks(opts, io, !fromStdin), {
          activationTimeoutMs: timeout * 1000,
        });
        io.print(opts, result, cardLine);
      },
    );

  withWalletOptions(
    device
      .command('cards')
      .description(
        "list the cards in the secure element; with --account, every token of the account's devices",
      ),
  )
    .option('--account', "every device's tokens, from each region, with the device holding each")
    .action(async (opts: WalletOpts & { account?: boolean }) => {
      const wallet = await openWallet(opts, io);
      if (opts.account === true) {
        const tokens = await wallet.accountCards();
        io.print(opts, tokens, (list) =>
          list.length === 0
            ? 'no cards'
            : list.map(
                (c) => `${cardLine(c)}  device ${c.deviceId}${c.current ? ' (this device)' : ''}`,
              ),
        );
        return;
      }
      const cards = wallet.cards();
      io.print(opts, cards, (list) => (list.length === 0 ? 'no cards' : list.map(cardLine)));
    });

  withWalletOptions(
    device
      .command('notifications')
      .description('read push notifications from every region the wallet uses'),
  )
    .option('--follow', 'keep following the streams until interrupted')
    .action(async (opts: WalletOpts & { follow?: boolean }) => {
      const wallet = await openWallet(opts, io);
      // Following is a stream: with --json, one JSON document per line, one line per notification.
      const print = (h: HandledNotification): void => {
        io.print(opts, h, notificationLine);
      };
      if (opts.follow !== true) {
        const handled = [];
        for (const region of wallet.regions())
          handled.push(...(await wallet.syncNotifications(region)));
        io.print(opts, handled, (list) =>
          list.length === 0 ? 'no new notifications' : list.map(notificationLine),
        );
        return;
      }
      const stop = new AbortController();
      const stopListening = io.parts.onInterrupt(() => stop.abort());
      try {
        await wallet.followNotifications({
          signal: stop.signal,
          onNotification: print,
          onStep: (e) => opts.json === true || io.out(describeStep(e)),
        });
      } finally {
        stopListening();
      }
    });
  return device;
}
