import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CARDS, makeWalletFixture, type WalletFixture } from '@domicile/device/testing';
import { createProgram } from '../program.js';
import { memoryIo } from '../io/index.js';

let fx: WalletFixture;
let lines: string[];
let errors: string[];
let env: Record<string, string | undefined>;
let stdin: string;

beforeEach(async () => {
  fx = await makeWalletFixture();
  lines = [];
  errors = [];
  env = { DOMICILE_WALLET_PASSPHRASE: 'cli passphrase' };
  stdin = '';
});
afterEach(async () => {
  await fx.cleanup();
});

async function run(...args: string[]): Promise<string[]> {
  const { io, stdout, stderr } = memoryIo({
    env,
    readStdin: () => Promise.resolve(stdin),
    fetch: fx.runtime.fetch ?? fetch,
    wallet: fx.runtime,
  });
  try {
    await createProgram(io).parseAsync(['device', ...args], { from: 'user' });
  } finally {
    lines.push(...stdout());
    errors.push(...stderr());
  }
  return stdout();
}

async function setUp(): Promise<string> {
  const wallet = join(fx.folder, 'cli-wallet.json');
  const keyFile = join(fx.folder, 'authority.jwk');
  await writeFile(keyFile, JSON.stringify(fx.dir.authority.publicJwk));
  await run(
    'create',
    '--wallet',
    wallet,
    '--authority-key',
    keyFile,
    '--bootstrap',
    'https://us.test',
    '--home',
    'us',
  );
  await run('register', '--wallet', wallet, '--name', 'Ada Lovelace', '--email', 'ada@example.com');
  return wallet;
}

describe('device commands', () => {
  it('creates, registers, adds cards from a file and from stdin, and lists them masked', async () => {
    const wallet = await setUp();
    expect(lines[0]).toMatch(
      /^wallet .* created: home us, device [A-Za-z0-9_-]{43}, directory #1 \(us, eu, cn\)$/,
    );
    expect(lines[1]).toMatch(/^registered in us: account \S+, device \S+$/);

    const cardFile = join(fx.folder, 'card.json');
    await writeFile(cardFile, JSON.stringify(CARDS.cnYellow));
    const added = await run(
      'add-card',
      '--wallet',
      wallet,
      '--card',
      cardFile,
      '--accept-terms',
      '--sandbox-otp',
      '--json',
    );
    // One JSON document on stdout; the steps, one JSON line each, on stderr.
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0] ?? '{}')).toMatchObject({
      region: 'cn',
      last4: '0005',
      state: 'active',
    });
    expect(errors.map((l) => (JSON.parse(l) as { step?: string }).step)).toContain('redirect');

    stdin = JSON.stringify(CARDS.usGreen);
    const narrated = await run('add-card', '--wallet', wallet, '--card', '-', '--accept-terms');
    expect(narrated[0]).toBe('→ us: provisioning message for visa card •••• 1111');
    expect(narrated.some((l) => l.startsWith('↪'))).toBe(false);
    expect(narrated.at(-1)).toMatch(/^us\s+visa\s+•••• 1111 {2}token •••• \d{4} {2}active$/);

    const listed = await run('cards', '--wallet', wallet);
    expect(listed).toHaveLength(2);
    const everything = [...lines, ...errors].join('\n');
    for (const pan of [CARDS.cnYellow.pan, CARDS.usGreen.pan])
      expect(everything).not.toContain(pan);
    expect(everything).not.toMatch(/cvv|"code"/i);

    const json = JSON.parse(
      (await run('cards', '--wallet', wallet, '--json'))[0] ?? '[]',
    ) as unknown[];
    expect(json).toHaveLength(2);
    const notes = await run('notifications', '--wallet', wallet);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((l) => / #\d+ [a-z.]+ \S+: (already-done|handled|ignored)$/.test(l))).toBe(
      true,
    );
    const again = await run('notifications', '--wallet', wallet, '--json');
    expect(again).toHaveLength(1);
    expect(JSON.parse(again[0] ?? '')).toEqual([]);
  });

  it('declines the terms when it cannot ask and was not told to accept', async () => {
    const wallet = await setUp();
    stdin = JSON.stringify(CARDS.usGreen);
    await expect(run('add-card', '--wallet', wallet, '--card', '-')).rejects.toMatchObject({
      code: 'PROVISIONING_DECLINED',
    });
  });

  it('needs a passphrase, and the right one', async () => {
    const wallet = await setUp();
    env = {};
    await expect(run('cards', '--wallet', wallet)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'passphrase' },
    });
    const file = join(fx.folder, 'pass.txt');
    await writeFile(file, 'not it\n');
    await expect(run('cards', '--wallet', wallet, '--passphrase-file', file)).rejects.toMatchObject(
      { code: 'WALLET_LOCKED' },
    );
    await writeFile(file, 'cli passphrase\n');
    expect(await run('cards', '--wallet', wallet, '--passphrase-file', file)).toEqual(['no cards']);
  });

  it('refuses a private authority key and a card file that is not JSON, without echoing it', async () => {
    const keyFile = join(fx.folder, 'authority.jwk');
    await writeFile(keyFile, JSON.stringify(fx.dir.authority.privateJwk));
    await expect(
      run(
        'create',
        '--wallet',
        join(fx.folder, 'w.json'),
        '--authority-key',
        keyFile,
        '--bootstrap',
        'https://us.test',
        '--home',
        'us',
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'authority-key' } });
    const wallet = await setUp();
    stdin = `${CARDS.usGreen.pan} not json`;
    const error: unknown = await run('add-card', '--wallet', wallet, '--card', '-').catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'card' } });
    expect(JSON.stringify(error) + String(error)).not.toContain(CARDS.usGreen.pan);
  });

  it('adds a card from --card or --push-payload, never both, and refuses a file that is no push payload before sending it', async () => {
    await expect(run('add-card', '--wallet', 'w')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      run('add-card', '--wallet', 'w', '--card', '-', '--push-payload', 'p.jwt'),
    ).rejects.toMatchObject({ code: 'commander.conflictingOption' });
    const wallet = await setUp();
    const sent = fx.network.log.length;
    stdin = 'eyJhbGciOiJFUzI1NiJ9.bm90IGNsYWltcw.c2ln';
    await expect(
      run('add-card', '--wallet', wallet, '--push-payload', '-', '--accept-terms'),
    ).rejects.toMatchObject({ code: 'PUSH_PAYLOAD_INVALID' });
    stdin = JSON.stringify({ pushPayload: 42 });
    await expect(
      run('add-card', '--wallet', wallet, '--push-payload', '-', '--accept-terms'),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'push-payload' } });
    expect(fx.network.log.length).toBe(sent);
  });

  it('refuses --otp together with --sandbox-otp', async () => {
    await expect(
      run('add-card', '--wallet', 'w', '--card', '-', '--otp', '123456', '--sandbox-otp'),
    ).rejects.toMatchObject({ code: 'commander.conflictingOption' });
  });
});
