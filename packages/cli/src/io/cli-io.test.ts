import { describe, expect, it } from 'vitest';
import { DomicileError } from '@domicile/protocol';
import { runCli } from '../program.js';
import { CommandFailed } from './cli-io.js';
import { memoryIo } from './memory-io.js';
import { UsageError } from './usage-error.js';

describe('CliIo', () => {
  it('prints a result as one JSON line with --json, else as lines for people', () => {
    const { io, stdout } = memoryIo();
    const value = { region: 'us', cards: ['1111', '2222'] };
    io.print({ json: true }, value, () => 'never');
    io.print({}, value, (v) => v.cards.map((c) => `•••• ${c}`));
    io.print({ json: false }, value, (v) => `in ${v.region}`);
    expect(stdout()).toEqual([JSON.stringify(value), '•••• 1111', '•••• 2222', 'in us']);
  });

  it('prints a failure as `error CODE: message details` on stderr, and returns its exit code', () => {
    const { io, stdout, stderr } = memoryIo();
    expect(io.fail(new DomicileError('SERVICE_UNAVAILABLE', { details: { reason: 'x' } }))).toBe(1);
    expect(io.fail(new UsageError('CONFIG_INVALID', { option: '--port', reason: 'r' }))).toBe(2);
    expect(io.fail(new CommandFailed())).toBe(1);
    // Any other error: its class only, since its message may quote a card number.
    expect(io.fail(new TypeError('card 4111111111111111'))).toBe(1);
    expect(stderr()).toEqual([
      'error SERVICE_UNAVAILABLE: The service is shutting down or not ready. {"reason":"x"}',
      'error CONFIG_INVALID: The configuration is invalid. {"option":"--port","reason":"r"}',
      'error INTERNAL: Internal error. (TypeError)',
    ]);
    expect(stdout()).toEqual([]);
  });
});

describe('runCli exit codes', () => {
  it('0 on success and for --help; the help goes to stdout', async () => {
    const ok = memoryIo();
    expect(await runCli(['sandbox', 'cards'], ok.io)).toBe(0);
    expect(ok.stdout().join('\n')).toContain('4111');
    const help = memoryIo();
    expect(await runCli(['--help'], help.io)).toBe(0);
    expect(help.stdout().join('\n')).toContain('Usage: domicile');
  });

  it("2 for commander's usage errors, with the usage message on stderr", async () => {
    for (const args of [
      ['device', 'cards'],
      ['emv', 'arqc', '--no-such-option'],
      ['no-such-command'],
      [],
    ]) {
      const { io, stdout, stderr } = memoryIo();
      expect(await runCli(args, io), args.join(' ')).toBe(2);
      expect(stderr().join('\n'), args.join(' ')).toMatch(/error|Usage/);
      expect(stdout(), args.join(' ')).toEqual([]);
    }
  });

  it('1 when an operation fails, with its code on stderr', async () => {
    const { io, stderr } = memoryIo({
      readStdin: () => Promise.resolve('{}'),
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const args = ['network', 'authorize', '--router', 'http://127.0.0.1:9', '--request', '-'];
    expect(await runCli(args, io)).toBe(1);
    expect(stderr()).toEqual([
      'error SERVICE_UNAVAILABLE: The service is shutting down or not ready. {"reason":"network router"}',
    ]);
  });

  it('waits for a drain, and ends the process with exit 1 when it outlasts its bound', async () => {
    const exits: number[] = [];
    const flushed: string[] = [];
    const { io, stderr } = memoryIo({ exit: (code) => exits.push(code) });
    await io.drain(Promise.resolve(), 1_000, () => flushed.push('flushed'));
    expect([exits, stderr(), flushed]).toEqual([[], [], []]);

    const never = new Promise<void>(() => undefined);
    await expect(io.drain(never, 20, () => flushed.push('flushed'))).rejects.toBeInstanceOf(
      CommandFailed,
    );
    expect(exits).toEqual([1]);
    expect(flushed).toEqual(['flushed']);
    expect(stderr()).toEqual([
      'error SHUTDOWN_INCOMPLETE: The server stopped before it finished draining. {"reason":"timeout","boundMs":20}',
    ]);
  });

  it('ends a drain at once on a second interrupt', async () => {
    const exits: number[] = [];
    const { io, stderr, interrupt } = memoryIo({ exit: (code) => exits.push(code) });
    const draining = io.drain(new Promise<void>(() => undefined), 60_000);
    interrupt();
    await expect(draining).rejects.toBeInstanceOf(CommandFailed);
    expect(exits).toEqual([1]);
    expect(stderr()[0]).toContain('{"reason":"second signal","boundMs":60000}');
  });
});
