import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Wallet, type WalletRuntimeOptions } from '@domicile/device';
import { DomicileError } from '@domicile/protocol';

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
export async function passphraseOf(
  opts: WalletOpts,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const raw =
    opts.passphraseFile === undefined
      ? env[PASSPHRASE_ENV]
      : await readFile(opts.passphraseFile, 'utf8').catch(() => undefined);
  const passphrase = raw?.replace(/\r?\n$/, '');
  if (passphrase === undefined || passphrase === '') {
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: 'passphrase', reason: `set ${PASSPHRASE_ENV} or --passphrase-file` },
    });
  }
  return passphrase;
}

export async function openWallet(
  opts: WalletOpts,
  env: Readonly<Record<string, string | undefined>>,
  runtime: WalletRuntimeOptions,
): Promise<Wallet> {
  return Wallet.open({ path: opts.wallet, passphrase: await passphraseOf(opts, env), ...runtime });
}
