import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WalletFile } from './wallet-file.js';
import type { WalletState } from './wallet-state.js';
import { SecureElement } from './secure-element/index.js';
import { makeTestDirectory } from './testing/test-directory.js';

const PASS = 'correct horse battery staple';
const TOKEN_NUMBER = '4892001234567891';
const ICC_KEY = '0123456789ABCDEF0123456789ABCDEF';

let state: WalletState;
let dir: string;
let path: string;

beforeAll(async () => {
  const se = await SecureElement.create();
  const directory = await makeTestDirectory();
  const exported = se.exportState();
  state = {
    version: 1,
    createdAt: new Date(0).toISOString(),
    authorityKey: directory.authority.publicJwk,
    directory: directory.jws,
    homeRegion: 'us',
    guests: {},
    cursors: { us: 4 },
    secureElement: {
      ...exported,
      applets: [
        {
          tokenRef: 'tok_0123456789',
          region: 'cn',
          sessionId: 'ses_0123456789',
          network: 'unionpay',
          last4: '0005',
          tokenNumber: TOKEN_NUMBER,
          tokenExpiry: { month: 12, year: 2030 },
          panSequenceNumber: '01',
          iccMasterKey: ICC_KEY,
          atc: 0,
          state: 'pending_activation',
          installedAt: new Date(0).toISOString(),
        },
      ],
    },
  };
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wallet-file-'));
  path = join(dir, 'wallet.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tamper(edit: (envelope: Record<string, unknown>) => void): Promise<void> {
  const envelope = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(envelope);
  await writeFile(path, JSON.stringify(envelope));
}

describe('WalletFile', () => {
  it('round-trips the state, and saves again under a fresh IV', async () => {
    const file = await WalletFile.create(path, PASS, state);
    expect((await WalletFile.open(path, PASS)).state).toEqual(state);
    const firstIv = (JSON.parse(await readFile(path, 'utf8')) as { cipher: { iv: string } }).cipher
      .iv;
    await file.save({ ...state, cursors: { us: 5 } });
    const reopened = await WalletFile.open(path, PASS);
    expect(reopened.state.cursors).toEqual({ us: 5 });
    expect(
      (JSON.parse(await readFile(path, 'utf8')) as { cipher: { iv: string } }).cipher.iv,
    ).not.toBe(firstIv);
    expect(await readdir(dir)).toEqual(['wallet.json']);
  });

  it('writes the file with mode 0600', async () => {
    await WalletFile.create(path, PASS, state);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps no key, token number or ICC master key in clear', async () => {
    await WalletFile.create(path, PASS, state);
    const text = await readFile(path, 'utf8');
    for (const secret of [
      state.secureElement.signingKey.d,
      state.secureElement.encryptionKey.d,
      TOKEN_NUMBER,
      ICC_KEY,
      '0005',
      'tok_0123456789',
    ]) {
      expect(text).not.toContain(secret);
    }
    const envelope = JSON.parse(text) as { kdf: { name: string; N: number; r: number; p: number } };
    expect(envelope.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 15, r: 8, p: 1 });
  });

  it('says WALLET_LOCKED for a wrong passphrase', async () => {
    await WalletFile.create(path, PASS, state);
    await expect(WalletFile.open(path, 'wrong')).rejects.toMatchObject({ code: 'WALLET_LOCKED' });
  });

  it.each<[string, (e: Record<string, unknown>) => void]>([
    [
      'the ciphertext',
      (e) => {
        const c = String(e.ciphertext);
        e.ciphertext = (c.startsWith('A') ? 'B' : 'A') + c.slice(1);
      },
    ],
    [
      'the tag',
      (e) => {
        const t = String(e.tag);
        e.tag = (t.startsWith('A') ? 'B' : 'A') + t.slice(1);
      },
    ],
    [
      'the IV (header, authenticated)',
      (e) => {
        (e.cipher as { iv: string }).iv = 'AAAAAAAAAAAAAAAA';
      },
    ],
    [
      'the scrypt cost (header)',
      (e) => {
        (e.kdf as { N: number }).N = 2 ** 16;
      },
    ],
    [
      'the format',
      (e) => {
        e.format = 'other';
      },
    ],
  ])('says WALLET_LOCKED when %s is tampered with', async (_what, edit) => {
    await WalletFile.create(path, PASS, state);
    await tamper(edit);
    await expect(WalletFile.open(path, PASS)).rejects.toMatchObject({ code: 'WALLET_LOCKED' });
  });

  it('says WALLET_LOCKED for a file that is not a wallet', async () => {
    await writeFile(path, 'not json');
    await expect(WalletFile.open(path, PASS)).rejects.toMatchObject({ code: 'WALLET_LOCKED' });
  });

  it('says WALLET_NOT_FOUND for a missing file', async () => {
    await expect(WalletFile.open(join(dir, 'none.json'), PASS)).rejects.toMatchObject({
      code: 'WALLET_NOT_FOUND',
    });
  });

  it('never replaces an existing file on create', async () => {
    await writeFile(path, 'precious');
    await expect(WalletFile.create(path, PASS, state)).rejects.toMatchObject({
      code: 'WALLET_EXISTS',
    });
    expect(await readFile(path, 'utf8')).toBe('precious');
  });

  it('refuses weak scrypt parameters', async () => {
    await expect(
      WalletFile.create(path, PASS, state, { kdf: { N: 1024, r: 8, p: 1 } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
