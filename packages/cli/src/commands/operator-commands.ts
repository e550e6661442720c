import type { Command } from 'commander';
import { addOperatorTokenHash, createOperatorToken } from '../deployment/operator-token.js';
import { writeNewFile } from '../deployment/write-new-file.js';
import type { CliIo } from '../io/index.js';

/**
 * `domicile operator token create`: a bearer token for a region's support API. The token is
 * shown once (or written to a file only its owner reads); the region keeps only its SHA-256, in
 * the `operatorTokenHashes` of its configuration file.
 */
export function registerOperatorCommands(program: Command, io: CliIo): void {
  program
    .command('operator')
    .description('operators of a region: tokens for its support API (`support …`)')
    .command('token')
    .description('operator tokens')
    .command('create')
    .description(
      "create an operator token: its SHA-256 goes to the region's config file; the token is printed once, or written to --token-file",
    )
    .requiredOption(
      '--config <file>',
      "the region's YAML configuration (`region serve --config`); created if missing",
    )
    .option(
      '--token-file <file>',
      'write the token here (mode 600), for `support … --token-file`, instead of printing it',
    )
    .option('--force', 'replace --token-file if it exists')
    .option('--json', 'print JSON')
    .action(
      async (opts: { config: string; tokenFile?: string; force?: boolean; json?: boolean }) => {
        const { token, hash } = createOperatorToken();
        // The token file first: if it is refused, no hash of a token nobody holds is left behind.
        if (opts.tokenFile !== undefined)
          await writeNewFile(opts.tokenFile, `${token}\n`, {
            mode: 0o600,
            force: opts.force === true,
          });
        await addOperatorTokenHash(opts.config, hash);
        const created: { token?: string; tokenFile?: string; hash: string; config: string } = {
          ...(opts.tokenFile === undefined ? { token } : { tokenFile: opts.tokenFile }),
          hash,
          config: opts.config,
        };
        io.print(opts, created, (c) => [
          ...(c.token === undefined
            ? [`operator token written to ${c.tokenFile ?? ''} (mode 600)`]
            : [
                'operator token (shown this once: keep it in a file only you can read, for `support … --token-file`):',
                c.token,
              ]),
          `its SHA-256 ${c.hash} is in operatorTokenHashes of ${c.config}: restart the region's nodes to accept it`,
        ]);
      },
    );
}
