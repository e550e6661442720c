import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, type AppletView } from '@domicile/device';
import {
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readNetworkKey,
  readRegionKeys,
  readRegionsConfig,
  rotateAuthorityKey,
  rotateRegionKeyFile,
  signDeploymentDirectory,
} from '@domicile/cli';
import {
  sendAuthorization,
  startNetworkRouter,
  type RunningNetworkRouter,
} from '@domicile/network';
import { activeKey, epochSeconds, verifyDirectory, type PublicJwk } from '@domicile/protocol';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import { startService, type ServiceProcess } from '../bench/service-process.js';
import { createDeploymentFolder } from './testing/deployment-folder.js';
import { CONFIG_FILE, PASSPHRASE } from './testing/e2e-deployment.js';
import { addGreenCard } from './testing/region-process.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));
const run = promisify(execFile);

// Never skipped silently: without a PostgreSQL server the postgres case fails, unless asked to skip.
const databases = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
const REGIONS = ['us', 'cn'] as const;

/**
 * Key rotation with real `domicile region serve` processes: `domicile keys rotate` adds keys to
 * the key files, the directory is signed again (serial + 1), and each region is restarted to load
 * its new key file and directory (regions read both at start). Cards provisioned before still pay,
 * a wallet holding the old directory provisions after (it refreshes on the unknown kid), and an
 * authority rotation moves a wallet's pin.
 */
describe.each(databases)('key rotation with region processes, on %s', (database) => {
  let dir: string;
  let baseUrl: (region: string) => string;
  let router: RunningNetworkRouter | undefined;
  const processes = new Map<string, ServiceProcess>();
  const postgres = new Map<string, TestPostgresDatabase>();

  const databaseUrl = (region: string): string =>
    postgres.get(region)?.connectionString ?? `sqlite:${join(dir, `${region}.db`)}`;
  const startRegion = async (region: string): Promise<void> => {
    processes.set(
      region,
      await startService({
        name: `region ${region}`,
        args: [
          CLI,
          ...['region', 'serve', '--region', region, '--dir', dir, '--db', databaseUrl(region)],
          ...['--log-file', join(dir, `${region}.log`)],
        ],
        ready: /^region \S+ listening on /,
        // A loaded machine may take minutes to start one.
        timeoutMs: 240_000,
      }),
    );
  };
  /** Both at once: each start is mostly a wait on its own process. */
  const startRegions = async (): Promise<void> => {
    await Promise.all(REGIONS.map(startRegion));
  };
  /** Regions load their key file and directory at start: a rotation takes effect on restart. */
  const restartRegions = async (): Promise<void> => {
    await Promise.all(REGIONS.map(async (region) => processes.get(region)?.stop()));
    await startRegions();
  };
  const signDirectory = async (): Promise<string> =>
    signDeploymentDirectory(dir, await readRegionsConfig(CONFIG_FILE), {
      baseUrls: new Map(REGIONS.map((r) => [r, baseUrl(r)])),
      networkBaseUrls: new Map(),
    });
  const newWallet = async (name: string): Promise<Wallet> => {
    const wallet = await Wallet.create({
      path: join(dir, `${name}.wallet`),
      passphrase: PASSPHRASE,
      authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
      bootstrapUrl: baseUrl('us'),
      homeRegion: 'us',
      directoryRefreshSeconds: 0,
    });
    await wallet.register({ name: 'Rotation Test', email: `${name}@example.com` });
    return wallet;
  };
  const pays = async (wallet: Wallet, card: AppletView): Promise<boolean> => {
    const request = await wallet.pay({
      card: card.tokenRef,
      amountMinor: 1_000,
      currency: card.region === 'cn' ? 'CNY' : 'USD',
      country: card.region === 'cn' ? 'CN' : 'US',
      merchant: { id: 'rotation-shop', name: 'Rotation Shop' },
    });
    const answer = await sendAuthorization({ routerUrl: router?.url ?? '', request });
    return answer.approved;
  };
  const rotate = (region: string, purpose: 'signing' | 'encryption' | 'tsm'): Promise<unknown> =>
    run(process.execPath, [
      CLI,
      ...['keys', 'rotate', '--dir', dir, '--region', region, '--purpose', purpose],
      ...['--retire-after', '1d'],
    ]);

  beforeAll(async () => {
    const folder = await createDeploymentFolder('domicile-rotation-');
    dir = folder.dir;
    baseUrl = folder.baseUrl;
    if (database === 'postgres') {
      await Promise.all(
        REGIONS.map(async (region) =>
          postgres.set(region, await createTestPostgresDatabase(`domicile_rotation_${region}`)),
        ),
      );
    }
    await startRegions();
    router = await startNetworkRouter({
      directoryJws: await readDirectory(paths.directory(dir)),
      authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
      network: 'sandbox-net',
      signingKey: await readNetworkKey(dir, 'sandbox-net'),
      host: '127.0.0.1',
      port: 0,
    });
  }, 240_000);

  afterAll(async () => {
    await router?.close();
    await Promise.all([...processes.values()].map((p) => p.stop()));
    for (const db of postgres.values()) await db.drop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('rotates signing, encryption and TSM keys: old cards pay, an old directory provisions, new wallets use the new keys', async () => {
    const before = await newWallet('before');
    const stale = await newWallet('stale');
    const usCard = await addGreenCard(before, 'us');
    const cnCard = await addGreenCard(before, 'cn');
    expect(await pays(before, usCard)).toBe(true);
    expect(await pays(before, cnCard)).toBe(true);
    const oldSerial = stale.directory.serial;
    const oldCnEncryption = stale.directory.key('cn', 'encryption')?.kid;

    // us: the home region's signing key (redirect assertions, provisioning data) and its TSM key;
    // cn: its encryption key (card details) and signing key (provisioning data of redirected cards).
    // One through the real CLI; the others through the function it calls (each CLI start is slow).
    await rotate('us', 'signing');
    for (const [region, purpose] of [
      ['us', 'tsm'],
      ['cn', 'encryption'],
      ['cn', 'signing'],
    ] as const)
      await rotateRegionKeyFile(dir, region, purpose, { retireAfter: 86_400 });
    await signDirectory();
    await restartRegions();

    const published = await verifyDirectory(
      await fetchDirectory(baseUrl('cn')),
      await readAuthorityPublicKey(paths.authorityPublic(dir)),
    );
    expect(published.serial).toBe(oldSerial + 1);
    const now = epochSeconds();
    for (const [region, purpose] of [
      ['us', 'signing'],
      ['us', 'tsm'],
      ['cn', 'encryption'],
      ['cn', 'signing'],
    ] as const) {
      const keys = (await readRegionKeys(dir, region))[purpose];
      expect(keys).toHaveLength(2);
      expect(published.key(region, purpose)?.kid).toBe(activeKey(keys, now)?.kid);
      expect(published.keys(region, purpose).map((k) => k.kid)).toEqual(keys.map((k) => k.kid));
    }

    // Cards provisioned before the rotation still pay.
    expect(await pays(before, usCard)).toBe(true);
    expect(await pays(before, cnCard)).toBe(true);

    // The stale wallet still holds the old directory: it meets us's new signing kid on the
    // redirect assertion, refreshes, and its card details go to cn's previous encryption key,
    // which cn still decrypts until that key's notAfter.
    expect(stale.directory.serial).toBe(oldSerial);
    const staleCn = await addGreenCard(stale, 'cn');
    expect(stale.directory.serial).toBe(oldSerial + 1);
    expect(await pays(stale, staleCn)).toBe(true);
    const staleUs = await addGreenCard(stale, 'us');
    expect(await pays(stale, staleUs)).toBe(true);

    // A wallet made now encrypts to cn's new key.
    const after = await newWallet('after');
    const newCnEncryption = after.directory.key('cn', 'encryption')?.kid;
    expect(newCnEncryption).not.toBe(oldCnEncryption);
    expect(await pays(after, await addGreenCard(after, 'cn'))).toBe(true);
    expect(await pays(after, await addGreenCard(after, 'us'))).toBe(true);
  }, 600_000);

  it('a wallet holding a directory whose encryption key was since retired still provisions: refused once, it refreshes and encrypts to the new key', async () => {
    const held = await newWallet('retired');
    const heldKey = held.directory.key('cn', 'encryption')?.kid;
    // cn's encryption key replaced and retired at once: cn accepts only the new key.
    await rotateRegionKeyFile(dir, 'cn', 'encryption', { retireAfter: 0 });
    await signDirectory();
    await restartRegions();
    const published = await verifyDirectory(
      await fetchDirectory(baseUrl('cn')),
      await readAuthorityPublicKey(paths.authorityPublic(dir)),
    );
    expect(published.keys('cn', 'encryption').map((k) => k.kid)).not.toContain(heldKey);

    const steps: string[] = [];
    const card = await addGreenCard(held, 'cn', (event) => {
      if (event.step === 'card-details') steps.push(event.encryptedTo);
    });
    // First to the key it held (refused), then, the directory refreshed, to cn's new key.
    expect(steps).toEqual([heldKey, published.key('cn', 'encryption')?.kid]);
    expect(held.directory.serial).toBe(published.serial);
    expect(await pays(held, card)).toBe(true);
  }, 600_000);

  it('rotates the authority key: a wallet pinning the old key accepts the directory signed by both and pins the new one', async () => {
    const wallet = await newWallet('authority');
    const card = await addGreenCard(wallet, 'us');
    const oldPin = await readAuthorityPublicKey(paths.authorityPublic(dir));
    await rotateAuthorityKey(dir);
    await signDirectory();
    // Regions pin the new key from the deployment folder; the directory carries both signatures.
    await restartRegions();
    const newPin: PublicJwk = await readAuthorityPublicKey(paths.authorityPublic(dir));
    expect(newPin.kid).not.toBe(oldPin.kid);

    const held = await wallet.refreshDirectory();
    expect(held.authorityKey).toEqual(newPin);
    // Reopened, the wallet pins the new key: the directory signed by the new key alone verifies.
    await rm(paths.authorityPrevious(dir));
    await signDirectory();
    await restartRegions();
    const reopened = await Wallet.open({ path: wallet.path, passphrase: PASSPHRASE });
    const later = await reopened.refreshDirectory();
    expect(later.serial).toBe(held.serial + 1);
    expect(await pays(reopened, card)).toBe(true);
    expect(await pays(reopened, await addGreenCard(reopened, 'cn'))).toBe(true);
    // A wallet still pinning the old key refuses that directory as signed by an unknown authority.
    await expect(verifyDirectory(later.jws, oldPin)).rejects.toMatchObject({
      code: 'DIRECTORY_AUTHORITY_UNKNOWN',
    });
  }, 600_000);
});

async function fetchDirectory(base: string): Promise<string> {
  const res = await fetch(`${base}/v1/directory`);
  return ((await res.json()) as { directory: string }).directory;
}
