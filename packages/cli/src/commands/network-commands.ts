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
import type { CliIo } from '../io/index.js';
import {
  NETWORK_SETTING_SPECS,
  NetworkSettingsSchema,
  tlsFilesOf,
} from '../serve-settings/index.js';
import { addSettingOptions, parseSettings } from '../settings/index.js';

interface AuthorizeOptions {
  router: string;
  request: string;
  json?: boolean;
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
 * acquirer's request).
 */
export function registerNetworkCommands(program: Command, io: CliIo): void {
  const network = program
    .command('network')
    .description('a card network: its router, and requests as an acquirer sends them');

  const serve = network
    .command('serve')
    .description(
      'run a network router until SIGINT/SIGTERM: it routes authorizations to the region that issued each token',
    );
  addSettingOptions(serve, NetworkSettingsSchema, NETWORK_SETTING_SPECS).action(
    async (flags: Record<string, unknown>) => {
      const { values: s } = parseSettings(NetworkSettingsSchema, NETWORK_SETTING_SPECS, { flags });
      const router = await startNetworkRouter({
        directoryJws: await readDirectory(paths.directory(s.dir)),
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(s.dir)),
        network: s.network,
        signingKey: await readNetworkKey(s.dir, s.network),
        ...definedProps({ host: s.host, port: s.port, tls: tlsFilesOf(s) }),
        log: s.log,
        rateLimit: { perAddress: s.rateLimitPerAddress, windowMs: s.rateLimitWindowMs },
      });
      io.out(`network ${s.network} router listening on ${router.url}`);
      await io.untilInterrupted();
      await io.drain(router.close(), s.drainTimeoutMs);
    },
  );

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
          opts.request === '-' ? await io.parts.readStdin() : await readFile(opts.request, 'utf8'),
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
        fetch: io.parts.fetch,
      });
      io.print(opts, answer, (a) => decisionLine(a));
    });
}
