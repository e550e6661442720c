import type { Command } from 'commander';
import type { api } from '@domicile/protocol';
import { DomicileError } from '@domicile/protocol';
import { renderTestCardsMarkdown } from '@domicile/region';

/** `domicile sandbox …`: the sandbox issuer's test cards and outbox. */
export function registerSandboxCommands(program: Command): void {
  const sandbox = program.command('sandbox').description('the built-in sandbox issuer');

  sandbox
    .command('cards')
    .description('print the documented test cards')
    .action(() => {
      process.stdout.write(`${renderTestCardsMarkdown()}\n`);
    });

  sandbox
    .command('outbox')
    .description('the one-time codes a sandbox region "sent", newest first')
    .requiredOption('--url <baseUrl>', "the region's base URL")
    .option('--last4 <digits>', 'only codes for this card')
    .action(async (opts: { url: string; last4?: string }) => {
      const url = new URL('/v1/sandbox/outbox', opts.url);
      if (opts.last4 !== undefined) url.searchParams.set('last4', opts.last4);
      const res = await fetch(url);
      const body: unknown = await res.json();
      if (!res.ok) throw DomicileError.fromBody(body);
      for (const m of (body as api.SandboxOutboxResponse).messages) {
        process.stdout.write(
          `${m.createdAt}  ${m.channel.padEnd(5)} ${m.target.padEnd(20)} card •••• ${m.last4}  code ${m.code}\n`,
        );
      }
    });
}
