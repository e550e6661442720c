import type { Command } from 'commander';
import type { api } from '@domicile/protocol';
import { DomicileError } from '@domicile/protocol';
import { TEST_CARDS, renderTestCardsMarkdown } from '@domicile/region';
import type { CliIo } from '../io/index.js';

/** `domicile sandbox …`: the sandbox issuer's test cards and outbox. */
export function registerSandboxCommands(program: Command, io: CliIo): void {
  const sandbox = program.command('sandbox').description('the built-in sandbox issuer');

  sandbox
    .command('cards')
    .description(
      'print the documented test cards (public sandbox numbers: the one output that shows whole card numbers)',
    )
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      io.print(opts, TEST_CARDS, (cards) => renderTestCardsMarkdown(cards));
    });

  sandbox
    .command('outbox')
    .description('the one-time codes a sandbox region "sent", newest first')
    .requiredOption('--url <baseUrl>', "the region's base URL")
    .option('--last4 <digits>', 'only codes for this card')
    .option('--json', 'print JSON')
    .action(async (opts: { url: string; last4?: string; json?: boolean }) => {
      const url = new URL('/v1/sandbox/outbox', opts.url);
      if (opts.last4 !== undefined) url.searchParams.set('last4', opts.last4);
      const res = await io.parts.fetch(url);
      const body: unknown = await res.json();
      if (!res.ok) throw DomicileError.fromBody(body);
      io.print(opts, (body as api.SandboxOutboxResponse).messages, (messages) =>
        messages.map(
          (m) =>
            `${m.createdAt}  ${m.channel.padEnd(5)} ${m.target.padEnd(20)} card •••• ${m.last4}  code ${m.code}`,
        ),
      );
    });
}
