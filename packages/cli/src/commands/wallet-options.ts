import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Wallet } from '@domicile/device';
import { UsageError, type CliIo } from '../io/index.js';

/** Options every `device …` command takes. */
export interface WalletOpts {
  wallet: string;
  passphraseFile?: string;
  json?: boolean;
}

export const PASSPHRASE_ENV = 'DOMICILE_WALLET_PASSPHRASE';

export function withWalletOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--wallet <file>', 'wallet file')
    .option(
      '--passphrase-file <file>',
      `file holding the wallet passphrase (default: $${PASSPHRASE_ENV})`,
    )
    .option('--json', 'print JSON');
}

/** The wallet passphrase, from `--passphrase-file` or the environment: never from argv, where `ps` shows it. */
export async function passphraseOf(opts: WalletOpts, io: CliIo): Promise<string> {
  const raw =
    opts.passphraseFile === undefined
      ? io.parts.env[PASSPHRASE_ENV]
      : await readFile(opts.passphraseFile, 'utf8').catch(() => undefined);
  const passphrase = raw?.replace(/\r?\n$/, '');
  if (passphrase === undefined || passphrase === '') {
    throw new UsageError('VALIDATION_FAILED', {
      field: 'passphrase',
      reason: `set ${PASSPHRASE_ENV} or --passphrase-file`,
    });
  }
  return passphrase;
}

export async function openWallet(opts: WalletOpts, io: CliIo): Promise<Wallet> {
  return Wallet.open({
    path: opts.wallet,
    passphrase: await passphraseOf(opts, io),
    ...io.walletRuntime,
  });
}
