import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '@domicile/cli';
import { CONFIG_FILE, cardInput, testCard } from './testing/e2e-deployment.js';
import {
  PUBLISHED,
  REPO_ROOT,
  npm,
  packPublished,
  writeAppLock,
  type PackedTarball,
} from './testing/installed-packages.js';

const run = promisify(execFile);

/**
 * What a user's own program does with the installed SDK: a plain ES module, no TypeScript, no
 * Domicile sources. It creates a wallet homed at the region, registers, adds a green card (terms
 * accepted, no ID&V) and prints what the secure element holds.
 */
const PROVISION_MJS = `
import { readFile } from 'node:fs/promises';
import { Wallet } from '@domicile/device';

const { walletPath, authorityKeyFile, baseUrl, card } = JSON.parse(process.env.PACK_TEST);
const wallet = await Wallet.create({
  path: walletPath,
  passphrase: 'pack test passphrase',
  authorityKey: JSON.parse(await readFile(authorityKeyFile, 'utf8')),
  bootstrapUrl: baseUrl,
  homeRegion: 'us',
});
await wallet.register({ name: 'Pack Test', email: 'pack@example.com' });
const refusal = () => Promise.reject(new Error('a green card needs no ID&V'));
const applet = await wallet.addCard(card, {
  acceptTerms: () => Promise.resolve(true),
  chooseIdvMethod: refusal,
  readOtp: refusal,
});
process.stdout.write(JSON.stringify({ region: applet.region, last4: applet.last4, state: applet.state }));
`;

let dir: string | undefined;
let region: ChildProcess | undefined;

afterAll(async () => {
  // The region runs in a process group of its own: nothing it started outlives the test.
  if (region?.pid !== undefined && region.exitCode === null && region.signalCode === null)
    process.kill(-region.pid, 'SIGKILL');
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Starts `domicile region serve` of the installed CLI; resolves on its listening line. */
function startRegion(bin: string, args: readonly string[], cwd: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'region', 'serve', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  region = child;
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/^region us listening on /m.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`region exited ${String(code)}: ${err}`)));
  });
}

function filesOf(tarball: PackedTarball): string[] {
  return tarball.files.map((file) => file.path);
}

describe('the packed packages, installed with npm into an empty folder', () => {
  it('run domicile from the install, and provision a card with @domicile/device from a plain .mjs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'domicile-pack-'));
    const app = join(dir, 'app');
    await mkdir(join(app, 'tarballs'), { recursive: true });

    // Each tarball: JavaScript, declarations, README and licence; no sources, tests or build state.
    const tarballs = await packPublished(join(app, 'tarballs'));
    expect(tarballs.map((t) => t.name).sort()).toEqual(
      PUBLISHED.map((p) => `@domicile/${p}`).sort(),
    );
    for (const tarball of tarballs) {
      const files = filesOf(tarball);
      expect(files).toEqual(
        expect.arrayContaining([
          'package.json',
          'README.md',
          'LICENSE',
          'dist/index.js',
          'dist/index.d.ts',
        ]),
      );
      expect(
        files.filter((f) => /^src\/|\.test\.|\.fixtures\.|\.tsbuildinfo$|testing\//.test(f)),
      ).toEqual([]);
    }
    const cli = tarballs.find((t) => t.name === '@domicile/cli');
    expect(cli && filesOf(cli)).toContain('bin/domicile.js');

    // From npm's cache only: the versions the repository's lock names, which its `npm ci` cached.
    await writeAppLock(app, tarballs);
    await npm(app, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund']);

    const bin = join(app, 'node_modules', '.bin', 'domicile');
    const domicile = async (...args: string[]): Promise<string> =>
      (await run(process.execPath, [bin, ...args], { cwd: app })).stdout;
    const { version } = JSON.parse(
      await readFile(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8'),
    ) as { version: string };
    expect((await domicile('--version')).trim()).toBe(version);

    // A deployment made by the installed CLI: region `us` on a free loopback port.
    const [port] = await freePorts(1);
    const baseUrl = `http://127.0.0.1:${String(port)}`;
    const config = (await readFile(CONFIG_FILE, 'utf8')).replace('http://127.0.0.1:7101', baseUrl);
    await writeFile(join(app, 'regions.yaml'), config);
    await domicile('keys', 'generate', '--config', 'regions.yaml', '--out', 'deploy');
    await domicile('directory', 'sign', '--config', 'regions.yaml', '--dir', 'deploy');
    await startRegion(
      bin,
      ['--region', 'us', '--dir', 'deploy', '--db', 'sqlite:deploy/us.db', '--log-file', 'us.log'],
      app,
    );

    const card = testCard('us', 'green');
    await writeFile(join(app, 'provision.mjs'), PROVISION_MJS);
    const { stdout } = await run(process.execPath, ['provision.mjs'], {
      cwd: app,
      env: {
        ...process.env,
        PACK_TEST: JSON.stringify({
          walletPath: join(app, 'pack.wallet'),
          authorityKeyFile: join(app, 'deploy', 'keys', 'authority.public.jwk.json'),
          baseUrl,
          card: cardInput(card),
        }),
      },
    });
    expect(JSON.parse(stdout)).toEqual({
      region: 'us',
      last4: card.pan.slice(-4),
      state: 'active',
    });
  }, 600_000);
});
