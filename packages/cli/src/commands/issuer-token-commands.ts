import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { IssuerApiClient } from '@domicile/clients';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  api,
  definedProps,
  isPublicP256Jwk,
  type PublicJwk,
} from '@domicile/protocol';
import { readSandboxIssuerKey } from '../deployment/sandbox-issuers.js';
import { UsageError, type CliIo } from '../io/index.js';
import { withIssuerOptions, type IssuerOpts } from './issuer-commands.js';

async function clientOf(
  opts: IssuerOpts & { authorityKey?: string },
  io: CliIo,
): Promise<IssuerApiClient> {
  const key = await readSandboxIssuerKey(opts.keyFile);
  return new IssuerApiClient({
    issuerId: key.issuerId,
    key: key.privateJwk,
    baseUrl: opts.url,
    region: opts.region ?? key.region,
    fetch: io.parts.fetch,
    ...definedProps({
      authorityKey:
        opts.authorityKey === undefined ? undefined : await readAuthorityKey(opts.authorityKey),
    }),
  });
}

async function readText(path: string, option: string, io: CliIo): Promise<string> {
  try {
    return path === '-' ? await io.parts.readStdin() : await readFile(path, 'utf8');
  } catch (cause) {
    throw new UsageError('VALIDATION_FAILED', { option, reason: 'unreadable' }, cause);
  }
}

async function readAuthorityKey(path: string): Promise<PublicJwk> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new UsageError(
      'VALIDATION_FAILED',
      { option: '--authority-key', reason: 'unreadable' },
      cause,
    );
  }
  if (typeof value === 'object' && value !== null && 'd' in value)
    throw new UsageError('VALIDATION_FAILED', {
      option: '--authority-key',
      reason: 'a private key: give the public key only',
    });
  if (!isPublicP256Jwk(value))
    throw new UsageError('VALIDATION_FAILED', {
      option: '--authority-key',
      reason: 'not a public P-256 JWK',
    });
  const { kty, crv, x, y } = value;
  const kid = (value as { kid?: unknown }).kid;
  return { kty, crv, x, y, ...(typeof kid === 'string' ? { kid } : {}) } as PublicJwk;
}

/** The new card, from JSON `{ pan, expiry: "MM/YYYY" | { month, year }, name }`. */
function reissuedCardOf(text: string): api.ReissuedCard {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // No cause: the text may hold a card number.
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field: 'card', reason: 'not JSON' },
    });
  }
  const c = value as { pan?: unknown; expiry?: unknown; name?: unknown } | null;
  const pan = typeof c?.pan === 'string' ? c.pan.replace(/[\s-]/g, '') : undefined;
  const match =
    typeof c?.expiry === 'string' ? /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(c.expiry) : null;
  const expiry =
    match === null
      ? c?.expiry
      : {
          month: Number(match[1]),
          year: Number(match[2]) < 100 ? 2000 + Number(match[2]) : Number(match[2]),
        };
  const card = { pan, expiry, name: typeof c?.name === 'string' ? c.name.trim() : undefined };
  if (!Value.Check(api.ReissuedCard, card)) {
    const field = Value.Errors(api.ReissuedCard, card).First()?.path.split('/')[1] ?? 'card';
    throw new DomicileError('VALIDATION_FAILED', { details: { field } });
  }
  return card;
}

function tokenLine(c: api.IssuerTokenView): string {
  const used = c.lastUsedAt === undefined ? 'never used' : `last used ${c.lastUsedAt}`;
  return `${c.tokenRef}  ${c.productId} •••• ${c.last4} (token •••• ${c.tokenLast4})  ${c.state}  device ${c.deviceId}  created ${c.createdAt}, ${used}`;
}

/**
 * Adds `issuer reissue`, `issuer credentials` and `issuer credential` to the `issuer` group: the
 * card behind a token replaced, and the issuer's own tokens looked up (never a card number).
 */
export function registerIssuerTokenCommands(program: Command, io: CliIo): Command {
  const issuer = program.commands.find((c) => c.name() === 'issuer') ?? program.command('issuer');
  withIssuerOptions(
    issuer
      .command('reissue')
      .description(
        'replace the card behind a token (new number and/or expiry): the token and the device stay',
      ),
  )
    .requiredOption('--token <tokenRef>', 'the token reference')
    .requiredOption(
      '--card <file>',
      'the new card, JSON { pan, expiry: "MM/YYYY", name }, or - for stdin (keeps the number out of shell history)',
    )
    .requiredOption(
      '--authority-key <file>',
      "the directory authority's public key (keys/authority.public.jwk.json): the card is encrypted to the region's key from the signed directory",
    )
    .option('--reason <code>', 'why, as a short code', 'card_replaced')
    .option('--idempotency-key <key>', 'retry with the same key to get the first answer back')
    .action(
      async (
        opts: IssuerOpts & {
          token: string;
          card: string;
          authorityKey: string;
          reason: string;
          idempotencyKey?: string;
        },
      ) => {
        const card = reissuedCardOf(await readText(opts.card, '--card', io));
        const result = await (
          await clientOf(opts, io)
        ).reissue(opts.token, card, {
          reason: opts.reason,
          ...definedProps({ idempotencyKey: opts.idempotencyKey }),
        });
        io.print(
          opts,
          result,
          ({ credential: c, changed }) =>
            `${c.region} ${c.productId} (token ${c.tokenRef}): now •••• ${c.last4}${changed ? '' : ' (unchanged)'}`,
        );
      },
    );

  withIssuerOptions(
    issuer
      .command('credentials')
      .description("list the issuer's tokens in the region, oldest first, by pages"),
  )
    .option('--product <id>', 'only tokens of this product')
    .option('--state <state>', 'only tokens in this state (active, suspended, …)')
    .option('--last4 <digits>', 'only tokens of cards ending in these 4 digits')
    .option('--device <deviceId>', 'only tokens on this device (its id in the region)')
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--limit <n>', `tokens per page (1 to ${api.TOKEN_PAGE_LIMIT.max})`)
    .action(
      async (
        opts: IssuerOpts & {
          product?: string;
          state?: string;
          last4?: string;
          device?: string;
          cursor?: string;
          limit?: string;
        },
      ) => {
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        if (
          limit !== undefined &&
          (!Number.isInteger(limit) || limit < 1 || limit > api.TOKEN_PAGE_LIMIT.max)
        )
          throw new UsageError('VALIDATION_FAILED', {
            option: '--limit',
            reason: `expected 1 to ${api.TOKEN_PAGE_LIMIT.max}`,
          });
        const page = await (
          await clientOf(opts, io)
        ).listCredentials(
          definedProps({
            productId: opts.product,
            state: opts.state as api.IssuerTokenView['state'] | undefined,
            last4: opts.last4,
            deviceId: opts.device,
            cursor: opts.cursor,
            limit,
          }),
        );
        io.print(opts, page, (p) =>
          [
            ...(p.credentials.length === 0 ? ['no tokens'] : p.credentials.map(tokenLine)),
            ...(p.nextCursor === undefined ? [] : [`more: --cursor ${p.nextCursor}`]),
          ].join('\n'),
        );
      },
    );

  withIssuerOptions(issuer.command('credential').description('one of the issuer’s tokens'))
    .requiredOption('--token <tokenRef>', 'the token reference')
    .action(async (opts: IssuerOpts & { token: string }) => {
      const result = await (await clientOf(opts, io)).getCredential(opts.token);
      io.print(opts, result, ({ credential }) => tokenLine(credential));
    });
  return issuer;
}
