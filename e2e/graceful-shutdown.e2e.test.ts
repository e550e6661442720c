import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from '@domicile/device';
import { paths, readAuthorityPublicKey } from '@domicile/cli';
import { createDeploymentFolder } from './testing/deployment-folder.js';
import { PASSPHRASE, cardInput, testCard } from './testing/e2e-deployment.js';
import { startStallingIssuer, type StallingIssuer } from './testing/stalling-issuer.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));

/** A `domicile region serve` process in a process group of its own, and how it ended. */
interface RegionProcess {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * `domicile region serve` in a real process, stopped by SIGTERM while a provisioning request
 * waits for a slow issuer: it stops accepting at once, answers that request, and exits 0; a
 * second signal ends it at once instead.
 */
describe('region serve on SIGTERM', () => {
  let dir: string;
  let baseUrl: string;
  const started: RegionProcess[] = [];
  const issuers: StallingIssuer[] = [];

  beforeAll(async () => {
    const folder = await createDeploymentFolder('domicile-drain-');
    dir = folder.dir;
    baseUrl = folder.baseUrl('us');
  }, 60_000);

  // Whatever a failed test left: the whole process group goes.
  afterEach(async () => {
    for (const region of started.splice(0)) {
      if (region.child.exitCode === null && region.child.signalCode === null) {
        process.kill(-(region.child.pid ?? 0), 'SIGKILL');
        await region.exited;
      }
    }
    for (const issuer of issuers.splice(0)) await issuer.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function startUs(issuer: StallingIssuer): Promise<RegionProcess> {
    const child = spawn(
      process.execPath,
      [
        CLI,
        ...['region', 'serve', '--region', 'us', '--dir', dir, '--db', `sqlite:${dir}/us.db`],
        ...['--log-file', join(dir, 'us.log'), '--issuer-url', issuer.url],
        ...['--issuer-timeout-ms', '60000', '--drain-timeout-ms', '60000'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const region = { child, stderr: () => err, exited };
    started.push(region);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (/^region us listening on /m.test(out)) resolve();
      });
      void exited.then((code) => reject(new Error(`exited ${String(code)} before ready: ${err}`)));
    });
    return region;
  }

  /** A wallet's addCard caught inside `POST …/card`, waiting for the issuer. */
  async function cardRequestInFlight(issuer: StallingIssuer, name: string): Promise<void> {
    const wallet = await Wallet.create({
      path: join(dir, `${name}.wallet`),
      passphrase: PASSPHRASE,
      authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
      bootstrapUrl: baseUrl,
      homeRegion: 'us',
    });
    await wallet.register({ name: 'Drain Test', email: `${name}@example.com` });
    const refusal = (): Promise<never> => Promise.reject(new Error('no ID&V for a green card'));
    // Its next steps find the region gone: only the request in flight is under test.
    wallet
      .addCard(cardInput(testCard('us', 'green')), {
        acceptTerms: () => Promise.resolve(true),
        chooseIdvMethod: refusal,
        readOtp: refusal,
      })
      .catch(() => undefined);
    await issuer.stalled;
  }

  /** Resolves once a new connection to the region is refused. */
  async function refusingConnections(): Promise<void> {
    for (;;) {
      const refused = await fetch(`${baseUrl}/healthz`).then(
        () => false,
        (error: unknown) => (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED',
      );
      if (refused) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('stops accepting, answers the request in flight with 200, and exits 0', async () => {
    const issuer = await startStallingIssuer();
    issuers.push(issuer);
    const region = await startUs(issuer);
    await cardRequestInFlight(issuer, 'drain');

    region.child.kill('SIGTERM');
    await refusingConnections();
    issuer.release();

    expect(await region.exited).toBe(0);
    const log = await readFile(join(dir, 'us.log'), 'utf8');
    expect(log).toMatch(/"url":"\/v1\/provisioning\/[^"]+\/card"\},"res":\{"statusCode":200\}/);
  }, 120_000);

  it('exits 1 at once on a second signal, saying the drain was cut short', async () => {
    const issuer = await startStallingIssuer();
    issuers.push(issuer);
    const region = await startUs(issuer);
    await cardRequestInFlight(issuer, 'second-signal');

    region.child.kill('SIGTERM');
    await refusingConnections();
    const sent = Date.now();
    region.child.kill('SIGINT');

    // The request is still held by the issuer and the bound is a minute: only the signal ends it.
    expect(await region.exited).toBe(1);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(region.stderr()).toMatch(
      /^error SHUTDOWN_INCOMPLETE: .* \{"reason":"second signal","boundMs":60000\}$/m,
    );
  }, 120_000);
});
