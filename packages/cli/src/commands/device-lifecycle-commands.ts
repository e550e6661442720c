import type { Command } from 'commander';
import type { AppletView } from '@domicile/device';
import { DomicileError, definedProps } from '@domicile/protocol';
import type { CliIo } from '../io/index.js';
import { openWallet, withWalletOptions, type WalletOpts } from './wallet-options.js';

interface LifecycleOpts extends WalletOpts {
  card: string;
  reason?: string;
}

const DESCRIPTIONS = {
  suspend: 'suspend a card: payments with it are declined until it is resumed',
  resume: 'resume a card you suspended',
  delete: 'delete a card: final; the region erases its card data',
} as const;

/**
 * A card by token reference, or by the last 4 digits of its card number when exactly one card
 * that is not deleted has them.
 */
export function findCard(cards: readonly AppletView[], card: string): AppletView {
  const byRef = cards.find((c) => c.tokenRef === card);
  if (byRef !== undefined) return byRef;
  if (!/^\d{4}$/.test(card)) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  const matches = cards.filter((c) => c.last4 === card && c.state !== 'deleted');
  if (matches.length > 1)
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: 'card', reason: 'several cards end so: give the token reference' },
    });
  const [only] = matches;
  if (only === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  return only;
}

/** Adds `device suspend|resume|delete --card <last4|tokenRef>` to the CLI's `device` command. */
export function registerDeviceLifecycleCommands(program: Command, io: CliIo): Command {
  const device = program.commands.find((c) => c.name() === 'device') ?? program.command('device');
  for (const action of ['suspend', 'resume', 'delete'] as const) {
    withWalletOptions(device.command(action).description(DESCRIPTIONS[action]))
      .requiredOption(
        '--card <last4|tokenRef>',
        'the card: last 4 digits of its number, or its token reference',
      )
      .option('--reason <code>', 'why, as a short code (default user_request)')
      .action(async (opts: LifecycleOpts) => {
        const wallet = await openWallet(opts, io);
        const card = findCard(wallet.cards(), opts.card);
        const options = definedProps({ reason: opts.reason });
        const result =
          action === 'suspend'
            ? await wallet.suspendCard(card.tokenRef, options)
            : action === 'resume'
              ? await wallet.resumeCard(card.tokenRef, options)
              : await wallet.deleteCard(card.tokenRef, options);
        io.print(
          opts,
          result,
          (r) =>
            `${r.region} ${r.network} •••• ${r.last4} (token •••• ${r.tokenLast4}): ${r.state}`,
        );
      });
  }
  return device;
}
