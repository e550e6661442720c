import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SupportClient } from '@domicile/clients';
import { definedProps, type api } from '@domicile/protocol';
import { UsageError, type CliIo } from '../io/index.js';
import { formatLostReport } from './format-lost-report.js';

interface SupportOpts {
  url: string;
  tokenFile: string;
  json?: boolean;
}

async function clientOf(opts: SupportOpts, io: CliIo): Promise<SupportClient> {
  // The token is never an argument: arguments show in `ps` and in shell history.
  const token = (
    await readFile(opts.tokenFile, 'utf8').catch((cause: unknown) => {
      throw new UsageError(
        'CONFIG_INVALID',
        { option: '--token-file', reason: 'unreadable' },
        cause,
      );
    })
  ).trim();
  if (token === '')
    throw new UsageError('CONFIG_INVALID', { option: '--token-file', reason: 'empty' });
  return new SupportClient({ baseUrl: opts.url, operatorToken: token, fetch: io.parts.fetch });
}

function withSupportOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--url <baseUrl>', "the home region's base URL")
    .requiredOption('--token-file <file>', 'file holding an operator token of that region')
    .option('--json', 'print JSON');
}

/** `domicile support …`: a home region's support API, for operators (lost devices, device tokens). */
export function registerSupportCommands(program: Command, io: CliIo): void {
  const support = program.command('support').description('operator support API of a home region');

  withSupportOptions(support.command('report-lost'))
    .description(
      'report a device lost: its tokens are suspended at home at once, and in every other region',
    )
    .requiredOption('--device <deviceId>', 'the device id the home region gave at registration')
    .option('--idempotency-key <key>', 'retry with the same key to get the same report back')
    .action(async (opts: SupportOpts & { device: string; idempotencyKey?: string }) => {
      const client = await clientOf(opts, io);
      const report = await client.reportLost(
        opts.device,
        definedProps({ idempotencyKey: opts.idempotencyKey }),
      );
      io.print(opts, report, formatLostReport);
    });

  withSupportOptions(support.command('lost-report'))
    .description(
      'where a lost-device report stands: per region pending, failing (with attempts) or confirmed',
    )
    .requiredOption('--report <reportId>', 'the report id that report-lost printed')
    .option('--wait <seconds>', 'poll until every region confirmed, for at most this long')
    .action(async (opts: SupportOpts & { report: string; wait?: string }) => {
      const waitMs = opts.wait === undefined ? 0 : Number(opts.wait) * 1000;
      if (!Number.isFinite(waitMs) || waitMs < 0)
        throw new UsageError('VALIDATION_FAILED', {
          option: '--wait',
          reason: 'expected a number of seconds, 0 or more',
        });
      const client = await clientOf(opts, io);
      const deadline = io.parts.now() + waitMs;
      let report = await client.lostReport(opts.report);
      while (!report.complete && io.parts.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        report = await client.lostReport(opts.report);
      }
      io.print(opts, report, formatLostReport);
    });

  withSupportOptions(support.command('device-tokens'))
    .description(
      "a device's tokens in every region: the home region asks each other region (per-region status)",
    )
    .requiredOption('--device <deviceId>', 'the device id the home region gave at registration')
    .action(async (opts: SupportOpts & { device: string }) => {
      const result = await (await clientOf(opts, io)).deviceTokens(opts.device);
      io.print(opts, result, formatDeviceTokens);
    });
}

function formatDeviceTokens(result: api.DeviceTokensResponse): string {
  const lines = [`device ${result.deviceId}${result.complete ? '' : ' (incomplete)'}`];
  for (const r of result.regions) {
    if (r.status === 'failed') {
      lines.push(`  ${r.region}: failed (${r.error ?? 'INTERNAL'})`);
      continue;
    }
    lines.push(`  ${r.region}: ${r.tokens.length} token(s)`);
    for (const t of r.tokens)
      lines.push(
        `    ${t.tokenRef}  ${t.productId} •••• ${t.last4} (token •••• ${t.tokenLast4})  ${t.state}${t.lastUsedAt === undefined ? '' : `  last used ${t.lastUsedAt}`}`,
      );
  }
  return lines.join('\n');
}
