import { Option, type Command } from 'commander';
import { SandboxOutboxClient } from '@domicile/device';
import { DomicileError, definedProps, type api } from '@domicile/protocol';
import { UsageError, type CliIo } from '../io/index.js';
import { openWallet, withWalletOptions, type WalletOpts } from './wallet-options.js';

function joinLine(r: api.JoinRequestView & { code?: string }): string {
  const code = r.code === undefined || r.method === 'code' ? '' : `  code ${r.code}`;
  const who = r.model === undefined ? r.deviceJkt : `${r.model} (${r.deviceJkt})`;
  return `join request ${r.id} by ${r.method}: ${r.state}  ${who}${code}  expires ${r.expiresAt}`;
}

function deviceLine(d: api.DeviceView): string {
  const model = d.model ?? 'device';
  return `${d.id}  ${model.padEnd(12)} ${d.state.padEnd(8)} since ${d.addedAt}${d.current ? '  (this device)' : ''}`;
}

function secondsOf(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError('VALIDATION_FAILED', { option, reason: 'expected seconds, 0 or more' });
  return n;
}

/**
 * Adds `device join|approve|devices|remove` to the CLI's `device` command: several devices on one
 * account, each with its own keys and its own token per card.
 */
export function registerDeviceAccountCommands(program: Command, io: CliIo): Command {
  const device = program.commands.find((c) => c.name() === 'device') ?? program.command('device');

  withWalletOptions(
    device
      .command('join')
      .description(
        'join an existing account with this new device: approved by a device of the account, or by a code sent to its contact',
      ),
  )
    .option(
      '--account <accountId>',
      'the account to join (shown by `device devices` on a device of it)',
    )
    .addOption(
      new Option('--by <method>', 'how the join is confirmed')
        .choices(['approval', 'code'])
        .default('approval'),
    )
    .option('--model <model>', 'device model')
    .addOption(
      new Option('--code <code>', 'the code sent to the account contact').conflicts('sandboxCode'),
    )
    .addOption(
      new Option('--sandbox-code', "read the code from the home region's sandbox outbox").conflicts(
        'code',
      ),
    )
    .option('--wait <seconds>', 'with --by approval: wait this long for the approval', '0')
    .action(
      async (
        opts: WalletOpts & {
          account?: string;
          by: api.JoinMethod;
          model?: string;
          code?: string;
          sandboxCode?: boolean;
          wait: string;
        },
      ) => {
        const wallet = await openWallet(opts, io);
        const waitMs = secondsOf(opts.wait, '--wait') * 1000;
        let pending: (api.JoinRequestView & { code?: string }) | undefined =
          await wallet.pendingJoin();
        if (pending === undefined || pending.state !== 'pending') {
          if (opts.account === undefined)
            throw new UsageError('VALIDATION_FAILED', {
              option: '--account',
              reason: 'no join request in progress: name the account to join',
            });
          pending = await wallet.requestJoin({
            accountId: opts.account,
            method: opts.by,
            ...definedProps({ model: opts.model }),
          });
        }
        let code = opts.code;
        if (opts.sandboxCode === true && pending.method === 'code') {
          const home = wallet.directory.region(wallet.homeRegion);
          if (home === undefined) throw new DomicileError('CONFIG_INVALID');
          code = await new SandboxOutboxClient({
            baseUrl: home.baseUrl,
            ...definedProps({ fetch: io.parts.fetch }),
          }).waitForJoinCode({ joinRequestId: pending.id });
        }
        const complete = pending.method === 'code' ? code !== undefined : waitMs > 0;
        if (!complete) {
          io.print(opts, { joinRequest: pending }, ({ joinRequest: r }) =>
            r.method === 'approval'
              ? [
                  joinLine(r),
                  `approve it on a device of the account: device approve --request ${r.id} --code ${r.code ?? ''}`,
                ]
              : [
                  joinLine(r),
                  `code sent to ${r.sentTo ?? 'the account contact'}: device join --code <code>`,
                ],
          );
          return;
        }
        const result = await wallet.completeJoin({
          ...definedProps({ code }),
          timeoutMs: waitMs,
        });
        io.print(opts, result, (r) =>
          r.account === undefined
            ? joinLine(r.joinRequest)
            : `joined account ${r.account.accountId} in ${r.account.region}: device ${r.account.deviceId}`,
        );
      },
    );

  withWalletOptions(
    device
      .command('approve')
      .description(
        "approve (or refuse) another device's request to join this account; without --request, list the pending requests and their codes",
      ),
  )
    .option('--request <joinRequestId>', 'the join request')
    .option('--code <code>', 'the code the new device shows (must match the one listed here)')
    .option('--refuse', 'refuse the request')
    .action(async (opts: WalletOpts & { request?: string; code?: string; refuse?: boolean }) => {
      const wallet = await openWallet(opts, io);
      if (opts.request === undefined) {
        const list = await wallet.joinRequests();
        io.print(opts, list, (l) =>
          l.length === 0 ? 'no pending join requests' : l.map(joinLine),
        );
        return;
      }
      if (opts.refuse !== true && opts.code === undefined)
        throw new UsageError('VALIDATION_FAILED', {
          option: '--code',
          reason: 'type the code the new device shows, or --refuse',
        });
      const result = await wallet.decideJoin({
        joinRequestId: opts.request,
        ...definedProps({ code: opts.code, refuse: opts.refuse }),
      });
      io.print(opts, result, joinLine);
    });

  withWalletOptions(
    device.command('devices').description("list the account's devices (at the home region)"),
  ).action(async (opts: WalletOpts) => {
    const wallet = await openWallet(opts, io);
    const devices = await wallet.devices();
    const account = wallet.account;
    io.print(opts, { accountId: account?.accountId ?? '', devices }, (r) => [
      `account ${r.accountId}`,
      ...r.devices.map(deviceLine),
    ]);
  });

  withWalletOptions(
    device
      .command('remove')
      .description(
        'remove a device from the account: its tokens are deleted in every region; the other devices keep theirs',
      ),
  )
    .requiredOption('--device <deviceId>', 'the device to remove')
    .action(async (opts: WalletOpts & { device: string }) => {
      const wallet = await openWallet(opts, io);
      const result = await wallet.removeDevice(opts.device);
      io.print(opts, result, (r) => [
        `device ${r.device.id} removed: ${r.report.home.suspended} token(s) deleted in ${r.report.home.region}`,
        ...r.report.regions.map((g) => `  ${g.region}: ${g.status}`),
      ]);
    });
  return device;
}
