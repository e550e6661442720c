import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import { TEST_CARDS } from '@domicile/region';
import { paths } from '../deployment/deployment-files.js';
import { startLocalDeployment, type LocalDeployment } from '../deployment/local-deployment.js';
import { sandboxIssuerKeyFile } from '../deployment/sandbox-issuers.js';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { programWithEveryCommand } from '../testing/every-command.js';
import { REGIONS_CONFIG } from '../testing/signed-deployment.js';

/** Every command that does something (the leaves of the tree), by its full name. */
function leafCommands(command: Command, prefix: string[] = []): [string, Command][] {
  const name = [...prefix, command.name()];
  if (command.commands.length === 0) return [[name.slice(1).join(' '), command]];
  return command.commands.flatMap((c) => leafCommands(c, name));
}

/**
 * Where a text shows more than the last 4 digits of one of `numbers` (card or token numbers):
 * any 6 consecutive digits of one, so that a prefix, a middle or the whole number is caught.
 */
export function digitLeaks(text: string, numbers: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const number of numbers)
    for (let i = 0; i + 6 <= number.length; i++) {
      const window = number.slice(i, i + 6);
      if (text.includes(window)) leaks.push(`${number.slice(-4)}: ${window}`);
    }
  return leaks;
}

describe('digitLeaks', () => {
  const number = '4111111111111234';
  it('finds the whole number, a prefix, and any 6 digits of it, but not the last 4 alone', () => {
    expect(digitLeaks(`card ${number}`, [number]).length).toBeGreaterThan(0);
    expect(digitLeaks('bin 411111', [number])).toEqual(['1234: 411111']);
    expect(digitLeaks('x 111234 y', [number])).toContain('1234: 111234');
    expect(digitLeaks('card •••• 1234, 12.50 USD at 2026-12-01T04:47:39Z', [number])).toEqual([]);
  });
});

describe('every command', () => {
  it('takes --json', async () => {
    const leaves = leafCommands(await programWithEveryCommand(memoryIo().io));
    expect(leaves.length).toBeGreaterThan(25);
    const without = leaves
      .filter(([, c]) => !c.options.some((o) => o.long === '--json'))
      .map(([name]) => name);
    expect(without).toEqual([]);
  });
});

describe('what the CLI prints of cards and tokens', () => {
  let dir: string;
  let deployment: LocalDeployment;
  const outputs: { args: string[]; stdout: string[]; stderr: string[] }[] = [];
  const env = { DOMICILE_WALLET_PASSPHRASE: 'output test passphrase' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'domicile-output-'));
    deployment = await startLocalDeployment({
      dir,
      configFile: REGIONS_CONFIG,
      network: true,
      tsmPollMs: 200,
    });
  }, 180_000);
  afterAll(async () => {
    await deployment.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a command, keeping what it printed; with `--json` its stdout must be one JSON document. */
  async function run(args: string[], stdin = ''): Promise<unknown> {
    const { io, stdout, stderr } = memoryIo({ env, readStdin: () => Promise.resolve(stdin) });
    const code = await runCli(args, io);
    outputs.push({ args, stdout: stdout(), stderr: stderr() });
    expect(code, `${args.join(' ')}: ${stderr().join('\n')}`).toBe(0);
    if (!args.includes('--json')) return undefined;
    expect(stdout(), args.join(' ')).toHaveLength(1);
    return JSON.parse(stdout()[0] ?? '');
  }

  it('shows at most the last 4 digits of a card or token number, with --json or without', async () => {
    const wallet = join(dir, 'output.wallet');
    const w = ['--wallet', wallet];
    const us = deployment.baseUrl('us');
    const router = deployment.networkUrl ?? '';
    const [usCard, cnCard] = [
      TEST_CARDS.find((c) => c.region === 'us' && c.outcome === 'green'),
      TEST_CARDS.find((c) => c.region === 'cn' && c.outcome === 'yellow'),
    ];
    if (usCard === undefined || cnCard === undefined) throw new Error('no test cards');
    const cardJson = (c: typeof usCard): string =>
      JSON.stringify({
        pan: c.pan,
        expiry: `${String(c.expiry.month).padStart(2, '0')}/${String(c.expiry.year % 100)}`,
        cvv: c.cvv,
        name: c.name,
      });

    await run([
      'device',
      'create',
      ...w,
      '--authority-key',
      paths.authorityPublic(dir),
      '--bootstrap',
      us,
      '--home',
      'us',
    ]);
    const account = (await run([
      'device',
      'register',
      ...w,
      '--name',
      'Jane Doe',
      '--email',
      'jane@example.com',
      '--json',
    ])) as { deviceId: string };
    await run(
      ['device', 'add-card', ...w, '--card', '-', '--accept-terms', '--timeout', '240'],
      cardJson(usCard),
    );
    const cn = (await run(
      [
        'device',
        'add-card',
        ...w,
        '--card',
        '-',
        '--accept-terms',
        '--timeout',
        '240',
        '--sandbox-otp',
        '--json',
      ],
      cardJson(cnCard),
    )) as { tokenRef: string };
    await run(['device', 'cards', ...w]);
    await run(['device', 'cards', ...w, '--json']);

    // The token numbers, from the one place they are written: the acquirer's request files.
    const tokenNumbers: string[] = [];
    for (const last4 of [usCard.pan.slice(-4), cnCard.pan.slice(-4)]) {
      const file = join(dir, `request-${last4}.json`);
      await run(['device', 'pay', ...w, '--card', last4, '--amount', '1.00', '--out', file]);
      const request = JSON.parse(await readFile(file, 'utf8')) as api.AuthorizationRequest;
      tokenNumbers.push(request.tokenNumber);
      await run(['network', 'authorize', '--router', router, '--request', file]);
      await run(['network', 'authorize', '--router', router, '--request', file, '--json']);
    }
    const pay = ['device', 'pay', ...w, '--card', usCard.pan.slice(-4), '--amount', '2.50'];
    await run([...pay, '--send', router]);
    await run([...pay, '--send', router, '--json']);
    await run([...pay, '--out', join(dir, 'request-json.json'), '--json']);
    await run(['device', 'transactions', ...w]);
    await run(['device', 'transactions', ...w, '--json']);
    await run(['device', 'notifications', ...w]);
    await run(['device', 'suspend', ...w, '--card', usCard.pan.slice(-4)]);
    await run(['device', 'resume', ...w, '--card', usCard.pan.slice(-4), '--json']);

    const issuer = [
      '--key-file',
      sandboxIssuerKeyFile(dir, 'cn'),
      '--url',
      deployment.baseUrl('cn'),
    ];
    const token = ['--token', cn.tokenRef, '--reason', 'fraud_suspected'];
    await run(['issuer', 'suspend', ...issuer, ...token]);
    await run(['issuer', 'resume', ...issuer, ...token, '--json']);
    await run(['sandbox', 'outbox', '--url', deployment.baseUrl('cn')]);
    await run(['sandbox', 'outbox', '--url', deployment.baseUrl('cn'), '--json']);
    const support = ['--url', us, '--token-file', deployment.operatorTokenFile];
    const report = (await run([
      'support',
      'report-lost',
      ...support,
      '--device',
      account.deviceId,
      '--json',
    ])) as { reportId: string };
    await run(['support', 'lost-report', ...support, '--report', report.reportId]);
    await run(['device', 'notifications', ...w, '--json']);

    expect(tokenNumbers).toHaveLength(2);
    const printed = outputs.map((o) => [...o.stdout, ...o.stderr].join('\n')).join('\n');
    expect(printed).toContain(`•••• ${usCard.pan.slice(-4)}`);
    expect(printed).toContain(`•••• ${(tokenNumbers[0] ?? '').slice(-4)}`);
    for (const { args, stdout, stderr } of outputs)
      expect(
        digitLeaks([...stdout, ...stderr].join('\n'), [usCard.pan, cnCard.pan, ...tokenNumbers]),
        args.join(' '),
      ).toEqual([]);
  }, 300_000); // Two regions' worth of provisioning and 30 commands: minutes on a loaded machine.
});
