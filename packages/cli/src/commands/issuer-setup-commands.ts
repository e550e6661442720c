import type { Command } from 'commander';
import { trustIssuer } from '../deployment/issuers-file.js';
import {
  generateIssuerKey,
  readSandboxIssuerKey,
  trustedSandboxIssuer,
  writeIssuerKey,
} from '../deployment/sandbox-issuers.js';
import type { CliIo } from '../io/index.js';

const collect = (value: string, all: string[] = []): string[] => [...all, value];

/**
 * Adds `issuer keys generate` and `issuer trust` to the `issuer` command: an issuer's API key,
 * made as the demo makes its sandbox issuers' keys, and the region's list of trusted issuers
 * (`region serve --issuers`), which holds only the public half.
 */
export function addIssuerSetupCommands(issuer: Command, io: CliIo): void {
  issuer
    .command('keys')
    .description("an issuer's key for a region's issuer API")
    .command('generate')
    .description(
      'generate an issuer key file ({ issuerId, region, privateJwk, productIds }, mode 600), as `issuer … --key-file` reads it',
    )
    .requiredOption('--issuer <id>', "the issuer's id")
    .requiredOption('--region <id>', 'the region whose issuer API it calls')
    .requiredOption('--product <id>', 'a card product of the issuer; repeatable', collect)
    .requiredOption('--out <file>', 'the key file to write')
    .option('--force', 'replace the file if it exists')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        issuer: string;
        region: string;
        product: string[];
        out: string;
        force?: boolean;
        json?: boolean;
      }) => {
        const key = await generateIssuerKey({
          issuerId: opts.issuer,
          region: opts.region,
          productIds: opts.product,
        });
        await writeIssuerKey(opts.out, key, { force: opts.force === true });
        const written = {
          file: opts.out,
          issuerId: key.issuerId,
          region: key.region,
          productIds: key.productIds,
          kid: key.privateJwk.kid,
        };
        io.print(opts, written, (w) => [
          `issuer ${w.issuerId} key for region ${w.region} (products ${w.productIds.join(', ')}) written to ${w.file} (mode 600, kid ${w.kid})`,
          `the region trusts it once listed: domicile issuer trust --issuers <issuers.json> --key-file ${w.file}`,
        ]);
      },
    );

  issuer
    .command('trust')
    .description(
      "add an issuer's public key and products to a region's issuers file (`region serve --issuers`), creating the file",
    )
    .requiredOption('--issuers <file>', "the region's issuers file (JSON list)")
    .requiredOption(
      '--key-file <file>',
      'the issuer key file (only its public half is written to the issuers file)',
    )
    .option('--webhook-url <url>', "where the region sends the issuer's token webhooks")
    .option('--force', 'replace the entry of an issuer listed with another key or products')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        issuers: string;
        keyFile: string;
        webhookUrl?: string;
        force?: boolean;
        json?: boolean;
      }) => {
        const key = await readSandboxIssuerKey(opts.keyFile);
        const entry = {
          ...trustedSandboxIssuer(key),
          ...(opts.webhookUrl === undefined ? {} : { webhookUrl: opts.webhookUrl }),
        };
        const { issuers, changed } = await trustIssuer(opts.issuers, entry, {
          force: opts.force === true,
        });
        const result = { file: opts.issuers, issuer: entry, changed, count: issuers.length };
        io.print(opts, result, (r) => [
          `issuer ${r.issuer.id} (products ${r.issuer.productIds.join(', ')}) ${r.changed ? 'trusted' : 'already trusted'} in ${r.file}: ${r.count} issuer(s)`,
          `a region reads it at start: domicile region serve … --issuers ${r.file}`,
        ]);
      },
    );
}
