import type { Command } from 'commander';
import { IssuerApiClient } from '@domicile/clients';
import { DomicileError } from '@domicile/protocol';
import { readSandboxIssuerKey } from '../deployment/sandbox-issuers.js';
import type { CliIo } from '../io/index.js';
import { addIssuerSetupCommands } from './issuer-setup-commands.js';

/** The options every `issuer` API command takes (the key file, the region's URL). */
export interface IssuerOpts {
  keyFile: string;
  url: string;
  region?: string;
  json?: boolean;
}

export function withIssuerOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--key-file <file>',
      'the issuer key file ({ issuerId, region, privateJwk }, e.g. keys/us.sandbox-issuer.json)',
    )
    .requiredOption('--url <baseUrl>', "the region's base URL")
    .option('--region <id>', "the region's id (default: the key file's region)")
    .option('--json', 'print JSON');
}

async function clientOf(opts: IssuerOpts, io: CliIo): Promise<IssuerApiClient> {
  const key = await readSandboxIssuerKey(opts.keyFile);
  return new IssuerApiClient({
    issuerId: key.issuerId,
    key: key.privateJwk,
    baseUrl: opts.url,
    region: opts.region ?? key.region,
    fetch: io.parts.fetch,
  });
}

/**
 * Adds `issuer suspend|resume|delete|art` to the CLI: an issuer acting through a region's issuer
 * API with its own key (never a device's), on tokens of its own products; and `issuer keys
 * generate` and `issuer trust`, which make that key and the region's trust in it.
 */
export function registerIssuerCommands(program: Command, io: CliIo): Command {
  const issuer = program
    .command('issuer')
    .description("an issuer acting on its tokens through a region's issuer API");

  for (const action of ['suspend', 'resume', 'delete'] as const) {
    withIssuerOptions(
      issuer.command(action).description(`${action} a token of one of the issuer's products`),
    )
      .requiredOption('--token <tokenRef>', 'the token reference')
      .requiredOption(
        '--reason <code>',
        'why, as a short code (fraud_suspected, card_replaced, account_closed, …)',
      )
      .action(async (opts: IssuerOpts & { token: string; reason: string }) => {
        const { credential, changed } = await (
          await clientOf(opts, io)
        ).changeState(opts.token, action, opts.reason);
        io.print(
          opts,
          { credential, changed },
          ({ credential: c }) =>
            `${c.region} ${c.productId} •••• ${c.last4} (token ${c.tokenRef}): ${c.state}${changed ? '' : ' (unchanged)'}`,
        );
      });
  }

  withIssuerOptions(
    issuer
      .command('art')
      .description(
        'set new card art for a product: every device holding one of its tokens gets it',
      ),
  )
    .requiredOption('--product <id>', 'the card product')
    .requiredOption('--background <#rrggbb>', 'background colour')
    .requiredOption('--foreground <#rrggbb>', 'text colour')
    .requiredOption('--label <text>', 'the product name printed on the card')
    .action(
      async (
        opts: IssuerOpts & {
          product: string;
          background: string;
          foreground: string;
          label: string;
        },
      ) => {
        for (const [field, value] of [
          ['background', opts.background],
          ['foreground', opts.foreground],
        ] as const) {
          if (!/^#[0-9A-Fa-f]{6}$/.test(value))
            throw new DomicileError('VALIDATION_FAILED', { details: { field, rule: 'pattern' } });
        }
        const result = await (
          await clientOf(opts, io)
        ).updateArt(opts.product, {
          background: opts.background,
          foreground: opts.foreground,
          label: opts.label,
        });
        io.print(opts, result, (r) => `${r.productId}: new art pushed to ${r.updated} token(s)`);
      },
    );
  addIssuerSetupCommands(issuer, io);
  return issuer;
}
