import type { Command } from 'commander';
import { startWalletServer } from '../wallet-web/index.js';
import { UsageError, type CliIo } from '../io/index.js';
import { readJsonFile } from './card-file.js';
import { authorityKeyOf } from './device-commands.js';

interface WalletServeOptions {
  bootstrap: string;
  authorityKey: string;
  home?: string;
  router?: string;
  host: string;
  port: string;
  json?: boolean;
}

/** `domicile wallet serve`: the wallet in the browser, a complete device in a web page. */
export function registerWalletCommands(program: Command, io: CliIo): void {
  program
    .command('wallet')
    .description('the wallet in the browser: a web page that is a complete device')
    .command('serve')
    .description(
      'serve the browser wallet until SIGINT/SIGTERM; the regions must list its origin (--wallet-origin)',
    )
    .requiredOption('--bootstrap <url>', "any region's base URL: the page verifies its directory")
    .requiredOption(
      '--authority-key <file>',
      "the directory authority's public key (JWK) the page pins",
    )
    .option('--home <region>', 'the home region the page proposes')
    .option('--router <url>', "the card network router's URL (default: the directory's)")
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8480')
    .option('--json', 'print the listening line as JSON')
    .action(async (opts: WalletServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new UsageError('VALIDATION_FAILED', { option: '--port', reason: '0 to 65535' });
      const server = await startWalletServer({
        bootstrapUrl: opts.bootstrap,
        authorityKey: authorityKeyOf(await readJsonFile(opts.authorityKey, 'authority-key', io)),
        host: opts.host,
        port,
        fetch: io.parts.fetch,
        ...(opts.home === undefined ? {} : { homeRegion: opts.home }),
        ...(opts.router === undefined ? {} : { routerUrl: opts.router }),
      });
      io.print(
        opts,
        { url: server.url, regions: server.directory.regions.map((r) => r.id) },
        (s) => [
          `wallet page on ${s.url}`,
          `regions ${s.regions.join(', ')} must allow its origin: --wallet-origin ${s.url}`,
        ],
      );
      await io.untilInterrupted();
      await server.close();
    });
}
