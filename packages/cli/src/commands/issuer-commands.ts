import type { Command } from 'commander';
import { DomicileError, definedProps } from '@domicile/protocol';
import { readSandboxIssuerKey } from '../deployment/sandbox-issuers.js';
import { IssuerApiClient } from '../issuer/index.js';

/** What the issuer commands need from the process; tests replace any part. */
export interface IssuerCommandIo {
  readonly out: (line: string) => void;
  readonly fetch?: typeof fetch;
}

interface IssuerOpts {
  keyFile: string;
  url: string;
  region?: string;
  json?: boolean;
}

const DEFAULT_IO: IssuerCommandIo = { out: (line) => process.stdout.write(`${line}\n`) };

function withIssuerOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--key-file <file>',
      'the issuer key file ({ issuerId, region, privateJwk }, e.g. keys/us.sandbox-issuer.json)',
    )
    .requiredOption('--url <baseUrl>', "the region's base URL")
    .option('--region <id>', "the region's id (default: the key file's region)")
    .option('--json', 'print JSON');
}

async function clientOf(opts: IssuerOpts, io: IssuerCommandIo): Promise<IssuerApiClient> {
  const key = await readSandboxIssuerKey(opts.keyFile);
  return new IssuerApiClient({
    issuerId: key.issuerId,
    key: key.privateJwk,
    baseUrl: opts.url,
    region: opts.region ?? key.region,
    ...definedProps({ fetch: io.fetch }),
  });
}

/**
 * Adds `issuer suspend|resume|delete|art` to the CLI: an issuer acting through a region's issuer
 * API with its own key (never a device's), on tokens of its own products.
 */
export function registerIssuerCommands(
  program: Command,
  ioOverrides: Partial<IssuerCommandIo> = {},
): Command {
  const io: IssuerCommandIo = { ...DEFAULT_IO, ...ioOverrides };
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
        io.out(
          opts.json === true
            ? JSON.stringify({ credential, changed })
            : `${credential.region} ${credential.productId} •••• ${credential.last4} (token ${credential.tokenRef}): ${credential.state}${changed ? '' : ' (unchanged)'}`,
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
        io.out(
          opts.json === true
            ? JSON.stringify(result)
            : `${result.productId}: new art pushed to ${result.updated} token(s)`,
        );
      },
    );
  return issuer;
}
