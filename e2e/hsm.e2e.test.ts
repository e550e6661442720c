import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, type AppletView } from '@domicile/device';
import {
  paths,
  readAuthorityPublicKey,
  readRegionKeys,
  readRegionsConfig,
  signDeploymentDirectory,
} from '@domicile/cli';
import { sendAuthorization } from '@domicile/network';
import type { Pkcs11TokenOptions } from '@domicile/region';
import { SOFTHSM_MODULE, createSoftHsm, type SoftHsm } from '@domicile/region/testing';
import {
  createBenchDeployment,
  keyProviderArgs,
  type BenchDatabase,
  type BenchDeployment,
} from '../bench/bench-deployment.js';
import type { ServiceProcess } from '../bench/service-process.js';
import { CONFIG_FILE, PASSPHRASE } from './testing/e2e-deployment.js';
import { addGreenCard } from './testing/region-process.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));
const TOKEN = 'domicile-e2e';
const REGIONS = ['us', 'cn'] as const;

/**
 * Every region key that may live in an HSM (signing key, TSM key, vault KEK) made in SoftHSM2 by
 * `domicile keys generate --hsm`, and real `domicile region serve` processes that sign and wrap
 * only through the token: a device provisions a home card and a redirected card, and pays with
 * both through the network router. The token store is this run's own, in a temporary folder
 * (`SOFTHSM2_CONF`, inherited by every process started here).
 */
let softHsm: SoftHsm;
let token: Pkcs11TokenOptions;

beforeAll(async () => {
  if (SOFTHSM_MODULE === undefined) return;
  softHsm = await createSoftHsm(TOKEN);
  token = softHsm.tokenOptions(TOKEN);
});
afterAll(async () => {
  await softHsm?.remove();
});

describe.skipIf(SOFTHSM_MODULE === undefined).each<BenchDatabase>(['sqlite', 'postgres'])(
  'every region key in SoftHSM2, regions on %s (real processes on loopback)',
  (database) => {
    let dir: string;
    let deployment: BenchDeployment;
    const running: ServiceProcess[] = [];
    let wallet: Wallet;
    let later: Wallet;
    let routerUrl: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `domicile-hsm-${database}-`));
      // A busy machine starts a tsx process slowly; the token adds a login and a self-test per key.
      deployment = await createBenchDeployment({
        dir,
        database,
        hsm: token,
        readyTimeoutMs: 180_000,
      });
      const network = Object.keys(deployment.networkUrls)[0] ?? '';
      routerUrl = deployment.networkUrls[network] ?? '';
      running.push(
        ...(await Promise.all([
          deployment.startRegion('us'),
          deployment.startRegion('cn'),
          deployment.startNetwork(network),
        ])),
      );
      const newWallet = async (name: string): Promise<Wallet> => {
        const made = await Wallet.create({
          path: join(dir, `${name}.wallet`),
          passphrase: PASSPHRASE,
          authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
          bootstrapUrl: deployment.info.baseUrls.us ?? '',
          homeRegion: 'us',
        });
        await made.register({ name: 'HSM Test', email: `${name}@example.com` });
        return made;
      };
      wallet = await newWallet('hsm');
      // Registered before the rotation: it holds the directory of the keys rotated out.
      later = await newWallet('hsm-later');
    }, 300_000);
    afterAll(async () => {
      await Promise.all(running.map((s) => s.stop()));
      await deployment?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('keeps no private signing key and no KEK in the key files', async () => {
      for (const region of ['us', 'cn']) {
        const keys = await readRegionKeys(dir, region);
        const [signing, tsm] = [keys.signing[0], keys.tsm[0]];
        expect(signing?.d).toBeUndefined();
        expect(tsm?.d).toBeUndefined();
        expect(keys.secrets.vaultKek).toBeUndefined();
        expect(signing?.kid).toMatch(new RegExp(`^${region}-signing-[0-9a-f]{8}$`));
      }
    });

    let usCard: AppletView;
    let cnCard: AppletView;
    it('provisions a home card and a redirected card, signed and wrapped in the token', async () => {
      // The device checks each signature (redirect assertion, provisioning data, script) against
      // the directory, which lists the token's public keys: an activation proves the HSM signed.
      usCard = await addGreenCard(wallet, 'us');
      cnCard = await addGreenCard(wallet, 'cn');
      expect(usCard).toMatchObject({ region: 'us', state: 'active' });
      expect(cnCard).toMatchObject({ region: 'cn', state: 'active' });
    }, 120_000);

    const pays = async (card: AppletView, payer: Wallet = wallet): Promise<boolean> => {
      const request = await payer.pay({
        card: card.tokenRef,
        amountMinor: 1_250,
        currency: 'USD',
        country: 'US',
        merchant: { id: 'hsm-shop', name: 'HSM Shop' },
      });
      const answer = await sendAuthorization({ routerUrl, request });
      expect(answer).toMatchObject({ region: card.region, tokenLast4: card.tokenLast4 });
      return answer.approved;
    };
    /** Regions (and the router) read their key file and directory at start. */
    const restart = async (): Promise<void> => {
      await Promise.all(running.splice(0).map((s) => s.stop()));
      const network = Object.keys(deployment.networkUrls)[0] ?? '';
      running.push(
        ...(await Promise.all([
          deployment.startRegion('us'),
          deployment.startRegion('cn'),
          deployment.startNetwork(network),
        ])),
      );
    };
    const hsmArgs = (): string[] => [
      ...['--hsm', '--module', token.module, '--pin-file', token.pinFile],
      ...('label' in token.token
        ? ['--token-label', token.token.label]
        : ['--slot', String(token.token.slot)]),
    ];

    it('rotates the signing, TSM and KEK keys of every region inside the token: old cards pay, new cards provision, the re-wrap finishes and the old KEK is retired', async () => {
      const before = new Map(
        await Promise.all(REGIONS.map(async (r) => [r, await readRegionKeys(dir, r)] as const)),
      );
      const heldSerial = later.directory.serial;
      expect(await pays(usCard)).toBe(true);
      // `domicile keys rotate --hsm` for each key of each region, its audit row in the region's
      // database; one process at a time, as an operator would (one token, one object store).
      for (const region of REGIONS)
        for (const purpose of ['signing', 'tsm', 'kek'])
          await cli([
            ...['keys', 'rotate', '--dir', dir, '--region', region, '--purpose', purpose],
            ...['--retire-after', '1d', '--db', deployment.databaseUrl(region), ...hsmArgs()],
          ]);
      const config = await readRegionsConfig(CONFIG_FILE);
      await signDeploymentDirectory(dir, config, {
        baseUrls: new Map(Object.entries(deployment.info.baseUrls)),
        networkBaseUrls: new Map(Object.entries(deployment.networkUrls)),
      });
      for (const region of REGIONS) {
        const keys = await readRegionKeys(dir, region);
        const old = before.get(region);
        for (const purpose of ['signing', 'tsm'] as const) {
          expect(keys[purpose].map((k) => k.kid)).toEqual([
            old?.[purpose][0]?.kid,
            expect.stringMatching(new RegExp(`^${region}-${purpose}-[0-9a-f]{8}$`)),
          ]);
          expect(keys[purpose].every((k) => k.d === undefined)).toBe(true);
        }
        expect(keys.secrets.vaultKekId).toMatch(new RegExp(`^${region}-kek-[0-9a-f]{8}$`));
        expect(keys.secrets.vaultKeks?.map((k) => [k.id, k.key])).toEqual([
          [old?.secrets.vaultKekId, undefined],
          [keys.secrets.vaultKekId, undefined],
        ]);
      }
      await restart();

      // Cards provisioned before the rotation pay: each region opens them under the old KEK
      // (or the new one, once re-wrapped) and the wallet follows the new directory.
      expect(await pays(usCard)).toBe(true);
      expect(await pays(cnCard)).toBe(true);
      // A wallet holding the old directory provisions new cards (it meets the new kids, refreshes).
      expect(await pays(await addGreenCard(later, 'us'), later)).toBe(true);
      expect(later.directory.serial).toBeGreaterThan(heldSerial);
      expect(await pays(await addGreenCard(later, 'cn'), later)).toBe(true);

      // Every region's worker moves its records to the new token KEK; then the old KEK is
      // retired: from the key file (us: and destroyed in the token; cn: left there).
      for (const region of REGIONS) {
        const db = deployment.databaseUrl(region);
        const status = JSON.parse(
          await cli([
            ...['keys', 'rewrap-status', '--region', region, '--dir', dir, '--db', db],
            ...['--wait', '--interval-ms', '200', '--timeout-ms', '120000', '--json'],
          ]),
        ) as { remaining: number; currentKekId: string };
        expect(status.remaining).toBe(0);
        const oldKek = before.get(region)?.secrets.vaultKekId ?? '';
        await cli([
          ...['keys', 'retire', '--region', region, '--purpose', 'kek', '--id', oldKek],
          ...['--dir', dir, '--db', db],
          ...(region === 'us' ? ['--destroy', ...hsmArgs()] : []),
        ]);
        expect((await readRegionKeys(dir, region)).secrets.vaultKeks?.map((k) => k.id)).toEqual([
          status.currentKekId,
        ]);
      }
      await restart();
      // The payments below prove the cards opened under the new KEK alone.
    }, 900_000);

    it('pays with every card: each region unwraps the card in the token and approves', async () => {
      for (const payer of [wallet, later])
        for (const card of payer.cards()) expect(await pays(card, payer)).toBe(true);
    }, 120_000);
  },
);

/** Runs a `domicile` command to its end; its stdout, or a rejection with its stderr. */
function cli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`domicile ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

/** Runs `domicile region serve …` to its end; its exit code and what it wrote to stderr. */
function serveUntilExit(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'region', 'serve', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      // A region that starts is the failure of this test: stop it, whole process group.
      if (/listening on/.test(stdout) && child.pid !== undefined) process.kill(-child.pid);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(SOFTHSM_MODULE === undefined)('region serve with a broken HSM setup', () => {
  let dir: string;
  let serve: (region: string, hsm: Pkcs11TokenOptions) => string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'domicile-hsm-start-'));
    // Keys made in the token, then the regions started against a token that cannot serve them.
    await createBenchDeployment({ dir, database: 'sqlite', hsm: token });
    serve = (region, hsm) => [
      ...['--region', region, '--dir', dir, '--db', `sqlite:${join(dir, `${region}.db`)}`],
      ...['--host', '127.0.0.1', '--port', '0', '--log-file', join(dir, `${region}.log`)],
      ...keyProviderArgs(hsm),
    ];
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'a wrong PIN',
      'HSM_PIN_REJECTED',
      async () => ({ pinFile: await softHsm.writeFile('wrong', '0000\n') }),
    ],
    [
      'a missing PKCS#11 module',
      'HSM_MODULE_UNAVAILABLE',
      () => ({ module: join(dir, 'no-such-module.so') }),
    ],
    [
      'a token without the key labels',
      'HSM_KEY_NOT_FOUND',
      async () => {
        await softHsm.initToken('empty');
        return { token: { label: 'empty' } };
      },
    ],
    [
      'an unknown token label',
      'HSM_TOKEN_NOT_FOUND',
      () => ({ token: { label: 'no-such-token' } }),
    ],
  ] as const)(
    'refuses to start on %s: %s, exit 1, before any request',
    async (_case, code, override) => {
      const { code: exit, stderr } = await serveUntilExit(
        serve('us', { ...token, ...(await override()) }),
      );
      expect(exit).toBe(1);
      expect(stderr).toContain(`error ${code}:`);
      expect(stderr).not.toContain(softHsm.pin);
    },
    120_000,
  );
});
