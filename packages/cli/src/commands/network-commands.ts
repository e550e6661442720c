import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { sendAuthorization, startNetworkRouter } from '@domicile/network';
import { DomicileError, formatAmount, type api, definedProps } from '@domicile/protocol';
import {
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readNetworkKey,
} from '../deployment/deployment-files.js';

interface ServeOptions {
  network: string;
  dir: string;
  host?: string;
  port?: string;
  log?: boolean;
}
interface AuthorizeOptions {
  router: string;
  request: string;
  json?: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One line for people: the decision, the amount, the merchant and the token's last 4 digits. */
export function decisionLine(answer: api.AuthorizationResponse, merchant?: string): string {
  const verdict = answer.approved ? 'approved' : `declined (${answer.reason})`;
  const arpc = answer.arpc === undefined ? '' : `, ARPC ${answer.arpc} CSU ${answer.csu ?? ''}`;
  return (
    `${verdict}: ${formatAmount(answer.amount.minor, answer.amount.currency)}${merchant === undefined ? '' : ` at ${merchant}`}` +
    ` with token •••• ${answer.tokenLast4} of ${answer.region}; response code ${answer.responseCode}, authorization ${answer.authorizationId}${arpc}`
  );
}

/**
 * `domicile network serve` (a card network's router) and `domicile network authorize` (an
 * acquirer's request). `out` prints a line; tests replace it.
 */
export function registerNetworkCommands(
  program: Command,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  const network = program
    .command('network')
    .description('a card network: its router, and requests as an acquirer sends them');

  network
    .command('serve')
    .description(
      'run a network router until SIGINT/SIGTERM: it routes authorizations to the region that issued each token',
    )
    .requiredOption('--network <id>', "this network's id in the directory")
    .requiredOption('--dir <dir>', 'deployment folder (directory.jws, keys/<network>.network.json)')
    .option('--host <host>', 'listen address (default: the host of the directory base URL)')
    .option('--port <port>', 'listen port (default: the port of the directory base URL)')
    .option('--log', 'log requests as JSON lines (never their bodies)')
    .action(async (opts: ServeOptions) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
        throw new DomicileError('CONFIG_INVALID', { details: { option: '--port' } });
      const router = await startNetworkRouter({
        directoryJws: await readDirectory(paths.directory(opts.dir)),
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(opts.dir)),
        network: opts.network,
        signingKey: await readNetworkKey(opts.dir, opts.network),
        ...definedProps({ host: opts.host, port }),
        log: opts.log === true,
      });
      out(`network ${opts.network} router listening on ${router.url}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await router.close();
    });

  network
    .command('authorize')
    .description(
      'send an authorization request (as `device pay` prints it) to a network router, as an acquirer does',
    )
    .requiredOption('--router <url>', "the network router's base URL")
    .requiredOption('--request <file>', 'the request JSON, or - for stdin')
    .option('--json', 'print the answer as JSON')
    .action(async (opts: AuthorizeOptions) => {
      let request: unknown;
      try {
        request = JSON.parse(
          opts.request === '-'
            ? await readAll(process.stdin)
            : await readFile(opts.request, 'utf8'),
        );
      } catch (cause) {
        throw new DomicileError('VALIDATION_FAILED', {
          details: { field: 'request', reason: 'unreadable or not JSON' },
          cause,
        });
      }
      // The router checks the request against the schema: a malformed one comes back as VALIDATION_FAILED.
      const answer = await sendAuthorization({
        routerUrl: opts.router,
        request: request as api.AuthorizationRequest,
      });
      out(opts.json === true ? JSON.stringify(answer) : decisionLine(answer));
    });
}
