import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DomicileError, type api, definedProps } from '@domicile/protocol';
import { SupportClient, formatLostReport } from '../support/index.js';

/** What the support commands need from the process; tests replace it. */
export interface SupportCommandIo {
  readonly out: (line: string) => void;
}

interface SupportOpts {
  url: string;
  tokenFile: string;
  json?: boolean;
}

const DEFAULT_IO: SupportCommandIo = { out: (line) => process.stdout.write(`${line}\n`) };

async function clientOf(opts: SupportOpts): Promise<SupportClient> {
  // The token is never an argument: arguments show in `ps` and in shell history.
  const token = (
    await readFile(opts.tokenFile, 'utf8').catch((cause: unknown) => {
      throw new DomicileError('CONFIG_INVALID', {
        details: { option: '--token-file', reason: 'unreadable' },
        cause,
      });
    })
  ).trim();
  if (token === '')
    throw new DomicileError('CONFIG_INVALID', {
      details: { option: '--token-file', reason: 'empty' },
    });
  return new SupportClient({ baseUrl: opts.url, operatorToken: token });
}

function print(io: SupportCommandIo, report: api.LostReportView, json: boolean | undefined): void {
  if (json === true) io.out(JSON.stringify(report));
  else for (const line of formatLostReport(report)) io.out(line);
}

function withSupportOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--url <baseUrl>', "the home region's base URL")
    .requiredOption('--token-file <file>', 'file holding an operator token of that region')
    .option('--json', 'print JSON');
}

/** `domicile support …`: a home region's support API, for operators (lost devices). */
export function registerSupportCommands(program: Command, io: SupportCommandIo = DEFAULT_IO): void {
  const support = program.command('support').description('operator support API of a home region');

  withSupportOptions(support.command('report-lost'))
    .description(
      'report a device lost: its tokens are suspended at home at once, and in every other region',
    )
    .requiredOption('--device <deviceId>', 'the device id the home region gave at registration')
    .option('--idempotency-key <key>', 'retry with the same key to get the same report back')
    .action(async (opts: SupportOpts & { device: string; idempotencyKey?: string }) => {
      const client = await clientOf(opts);
      const report = await client.reportLost(
        opts.device,
        definedProps({ idempotencyKey: opts.idempotencyKey }),
      );
      print(io, report, opts.json);
    });

  withSupportOptions(support.command('lost-report'))
    .description(
      'where a lost-device report stands: per region pending, failing (with attempts) or confirmed',
    )
    .requiredOption('--report <reportId>', 'the report id that report-lost printed')
    .option('--wait <seconds>', 'poll until every region confirmed, for at most this long')
    .action(async (opts: SupportOpts & { report: string; wait?: string }) => {
      const client = await clientOf(opts);
      const waitMs = opts.wait === undefined ? 0 : Number(opts.wait) * 1000;
      if (!Number.isFinite(waitMs) || waitMs < 0)
        throw new DomicileError('VALIDATION_FAILED', { details: { field: '--wait' } });
      const deadline = Date.now() + waitMs;
      let report = await client.lostReport(opts.report);
      while (!report.complete && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        report = await client.lostReport(opts.report);
      }
      print(io, report, opts.json);
    });
}
