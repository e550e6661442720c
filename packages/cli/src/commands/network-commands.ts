import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { sendAuthorization, startNetworkRouter } from '@domicile/network';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  NetworkIdSchema,
  formatAmount,
  type api,
  definedProps,
} from '@domicile/protocol';
import {
  generateNetworkKey,
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readNetworkKey,
} from '../deployment/deployment-files.js';
import { UsageError, type CliIo } from '../io/index.js';
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
  addSettingOptions(serve, NetworkSettingsSchema, NETWORK_SETTING_SPECS)
    .option('--json', 'print the listening line as JSON')
    .action(async (flags: Record<string, unknown> & { json?: boolean }) => {
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
      io.print(
        flags,
        { network: s.network, url: router.url },
        (r) => `network ${r.network} router listening on ${r.url}`,
      );
      await io.untilInterrupted();
      await io.drain(router.close(), s.drainTimeoutMs);
    });

  network
    .command('keys')
    .description("a card network's signing key, which every region trusts through the directory")
    .command('generate')
    .description(
      "generate a network router's signing key into <dir>/keys/<network>.network.json (mode 600); then sign the directory again",
    )
    .requiredOption('--network <id>', "the network's id in the regions config")
    .requiredOption('--dir <dir>', 'deployment folder')
    .option('--force', 'replace the key if it exists')
    .option('--json', 'print JSON')
    .action(async (opts: { network: string; dir: string; force?: boolean; json?: boolean }) => {
      if (!Value.Check(NetworkIdSchema, opts.network))
        throw new UsageError('VALIDATION_FAILED', {
          option: '--network',
          reason: 'a network id (a-z, 0-9, -; 2 to 32 characters)',
        });
      const { file, kid } = await generateNetworkKey(opts.dir, opts.network, {
        force: opts.force === true,
      });
      io.print(opts, { network: opts.network, file, kid }, (w) => [
        `network ${w.network} signing key written to ${w.file} (mode 600, kid ${w.kid})`,
        `regions trust it once the directory lists it: domicile directory sign --dir ${opts.dir}`,
      ]);
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
