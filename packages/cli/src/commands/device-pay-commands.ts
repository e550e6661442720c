import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { sendAuthorization } from '@domicile/network';
import { currencyOf, formatAmount, parseAmount, type api, definedProps } from '@domicile/protocol';
import { UsageError, type CliIo } from '../io/index.js';
import { openWallet, withWalletOptions, type WalletOpts } from './wallet-options.js';
import { decisionLine } from './network-commands.js';

interface PayOpts extends WalletOpts {
  card: string;
  amount: string;
  currency: string;
  country: string;
  channel: api.AuthorizationChannel;
  merchantId: string;
  merchantName: string;
  date?: string;
  un?: string;
  send?: string;
  out?: string;
}

/** Where the request goes: exactly one of `--send` and `--out`, checked before the applet pays. */
function destinationOf(opts: PayOpts): { routerUrl: string } | { file: string } {
  if (opts.send !== undefined && opts.out === undefined) return { routerUrl: opts.send };
  if (opts.out !== undefined && opts.send === undefined) return { file: opts.out };
  throw new UsageError('VALIDATION_FAILED', {
    field: '--send|--out',
    reason: 'give exactly one of --send ROUTER_URL and --out FILE',
  });
}

function transactionLine(t: api.TransactionView): string {
  const verdict = t.approved ? 'approved' : `declined (${t.reason})`;
  return `${t.createdAt}  ${t.region.padEnd(4)} •••• ${t.last4} (token •••• ${t.tokenLast4})  ${formatAmount(t.amount.minor, t.amount.currency).padStart(14)}  ${t.merchant.name} [${t.channel}]  ${verdict}`;
}

/**
 * Adds `device pay` and `device transactions` to the CLI's `device` command. `pay` writes the
 * authorization request a merchant's acquirer sends to a file (it holds the full token number, so
 * it is never printed: output shows at most the last 4 digits), or with `--send` sends it to a
 * network router and prints the decision.
 */
export function registerDevicePayCommands(program: Command, io: CliIo): Command {
  const device = program.commands.find((c) => c.name() === 'device') ?? program.command('device');

  withWalletOptions(
    device
      .command('pay')
      .description(
        'pay with a card: the applet makes an ARQC; the authorization request goes to a router (--send) or a file (--out)',
      ),
  )
    .requiredOption(
      '--card <last4|tokenRef>',
      'the card: last 4 digits of its number, or its token reference',
    )
    .requiredOption('--amount <amount>', "amount in the currency's major units, e.g. 12.34")
    .option('--currency <code>', 'ISO 4217 code (USD, EUR, CNY or a numeric code)', 'USD')
    .option('--country <code>', "the terminal's country: ISO 3166 alpha-2 or numeric", 'US')
    .addOption(
      new Option('--channel <channel>', "at a terminal or inside a merchant's app")
        .choices(['in_store', 'in_app'])
        .default('in_store'),
    )
    .option('--merchant-id <id>', 'merchant id', 'sandbox-merchant')
    .option('--merchant-name <name>', 'merchant name', 'Sandbox Merchant')
    .option('--date <YYYY-MM-DD>', 'transaction date (default today, UTC)')
    .option('--un <hex>', "the terminal's unpredictable number, 8 hex digits (default random)")
    .option(
      '--send <routerUrl>',
      'send the request to this network router, as the acquirer would, and print the decision',
    )
    .option(
      '--out <file>',
      "write the acquirer's authorization request to this file (mode 600: it holds the token number)",
    )
    .action(async (opts: PayOpts) => {
      const destination = destinationOf(opts);
      const wallet = await openWallet(opts, io);
      const currency = currencyOf(opts.currency);
      const request = await wallet.pay({
        card: opts.card,
        amountMinor: parseAmount(opts.amount, currency),
        currency: currency.numeric,
        country: opts.country,
        channel: opts.channel,
        merchant: { id: opts.merchantId, name: opts.merchantName },
        ...definedProps({ date: opts.date, unpredictableNumber: opts.un }),
      });
      if ('file' in destination) {
        await writeFile(destination.file, `${JSON.stringify(request, null, 2)}\n`, { mode: 0o600 });
        const written = { file: destination.file, tokenLast4: request.tokenNumber.slice(-4) };
        io.print(
          opts,
          written,
          (w) => `authorization request with token •••• ${w.tokenLast4} written to ${w.file}`,
        );
        return;
      }
      const answer = await sendAuthorization({
        routerUrl: destination.routerUrl,
        request,
        fetch: io.parts.fetch,
      });
      io.print(opts, answer, (a) => decisionLine(a, request.merchant.name));
    });

  withWalletOptions(
    device
      .command('transactions')
      .description(
        "list this device's payments, newest first, from every region it holds cards in",
      ),
  )
    .option('--region <id>', 'only this region')
    .action(async (opts: WalletOpts & { region?: string }) => {
      const wallet = await openWallet(opts, io);
      const transactions = await wallet.transactions(opts.region);
      io.print(opts, transactions, (list) =>
        list.length === 0 ? 'no transactions' : list.map(transactionLine),
      );
    });
  return device;
}
