import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, type AppletView } from '@domicile/device';
import {
  memoryIo,
  paths,
  readAuthorityPublicKey,
  readNetworkKey,
  readRegionKeys,
  runCli,
} from '@domicile/cli';
import { api, signJson } from '@domicile/protocol';
import { openDatabase, rewrapProgress } from '@domicile/region';
import { LocalKeyProvider, Vault } from '@domicile/region/internals';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import { startService, type ServiceProcess } from '../bench/service-process.js';
import { createDeploymentFolder } from './testing/deployment-folder.js';
import { PASSPHRASE, cardInput, testCard, userHooks } from './testing/e2e-deployment.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));
const NETWORK = 'sandbox-net';
/** Enough records that the re-wrap takes many batches (500 each), so the kill lands mid-way. */
const SEEDED = 2_000;

// Never skipped silently: without a PostgreSQL server the postgres case fails, unless asked to skip.
const databases = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

/**
 * KEK rotation of a real region: records sealed under the first KEK (seeded tokens, and a card a
 * wallet provisioned), `keys rotate --purpose kek`, a `region serve` process re-wrapping them in
 * the background killed with SIGKILL mid-way and started again, and the re-wrap finished: every
 * record opens with the new KEK alone, the card still pays, and the old KEK can only be retired
 * once no record uses it.
 */
describe.each(databases)(
  'vault KEK rotation with a region killed mid-re-wrap, on %s',
  (database) => {
    let dir: string;
    let baseUrl: string;
    let postgres: TestPostgresDatabase | undefined;
    let databaseUrl: string;
    let region: ServiceProcess | undefined;
    let db: Awaited<ReturnType<typeof openDatabase>>;

    const startUs = (): Promise<ServiceProcess> =>
      startService({
        name: 'region us',
        args: [
          CLI,
          ...['region', 'serve', '--region', 'us', '--dir', dir, '--db', databaseUrl],
          ...['--log-file', join(dir, 'us.log')],
        ],
        ready: /^region \S+ listening on /,
        timeoutMs: 120_000,
      });

    const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const { io, stdout, stderr } = memoryIo();
      const code = await runCli(args, io);
      return { code, out: stdout().join('\n'), err: stderr().join('\n') };
    };
    const keyArgs = (): string[] => ['--region', 'us', '--dir', dir, '--db', databaseUrl];

    /** What the card network's router does with a wallet's payment: signs it for the region. */
    const authorize = async (request: api.AuthorizationRequest): Promise<unknown> => {
      const claims: api.NetworkAuthorizationClaims = {
        iss: NETWORK,
        aud: 'us',
        iat: Math.floor(Date.now() / 1000),
        jti: randomBytes(18).toString('base64url'),
        request,
      };
      const jws = await signJson(claims, await readNetworkKey(dir, NETWORK), api.AUTHORIZATION_TYP);
      const response = await fetch(`${baseUrl}/v1/authorizations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authorization: jws }),
      });
      return response.json();
    };

    beforeAll(async () => {
      const folder = await createDeploymentFolder('domicile-kek-');
      dir = folder.dir;
      baseUrl = folder.baseUrl('us');
      if (database === 'postgres') postgres = await createTestPostgresDatabase('domicile_kek');
      databaseUrl = postgres?.connectionString ?? `sqlite:${join(dir, 'us.db')}`;
      const seeded = await cli(['region', 'seed', ...keyArgs(), '--tokens', String(SEEDED)]);
      expect(seeded.err).toBe('');
      db = await openDatabase(databaseUrl);
    }, 300_000);

    afterAll(async () => {
      await region?.stop();
      await db.destroy();
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('re-wraps every record after a SIGKILL mid-way, the card still pays, and the old KEK retires last', async () => {
      // A card provisioned, and paid with, before the rotation.
      region = await startUs();
      const wallet = await Wallet.create({
        path: join(dir, 'kek.wallet'),
        passphrase: PASSPHRASE,
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
        bootstrapUrl: baseUrl,
        homeRegion: 'us',
      });
      await wallet.register({ name: 'Kek Test', email: 'kek@example.com' });
      const card: AppletView = await wallet.addCard(
        cardInput(testCard('us', 'green')),
        userHooks(),
      );
      const pay = async (): Promise<unknown> =>
        authorize(
          await wallet.pay({
            card: card.tokenRef,
            amountMinor: 1_250,
            currency: 'USD',
            country: 'US',
            merchant: { id: 'kek-shop', name: 'KEK Shop' },
          }),
        );
      expect(await pay()).toMatchObject({ approved: true });
      await region.stop();
      region = undefined;

      const rotated = await cli([
        'keys',
        'rotate',
        '--region',
        'us',
        '--purpose',
        'kek',
        '--dir',
        dir,
      ]);
      expect(rotated).toMatchObject({ code: 0, err: '' });
      const oldKekId = 'us-kek-1';
      const newKeys = await readRegionKeys(dir, 'us');
      expect(newKeys.secrets.vaultKekId).toBe('us-kek-2');
      const total = SEEDED + 1;
      expect(await rewrapProgress(db, 'us-kek-2')).toMatchObject({ total, remaining: total });

      // The region re-wraps in the background once it serves; killed as soon as it has begun.
      region = await startUs();
      let progress = await rewrapProgress(db, 'us-kek-2');
      while (progress.current === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        progress = await rewrapProgress(db, 'us-kek-2');
      }
      process.kill(region.pid, 'SIGKILL');
      await region.stop();
      region = undefined;
      progress = await rewrapProgress(db, 'us-kek-2');
      expect(progress.current).toBeGreaterThan(0);
      expect(progress.remaining).toBeGreaterThan(0);
      expect(progress.current + progress.remaining).toBe(total);

      const refused = await cli([
        'keys',
        'retire',
        ...keyArgs(),
        '--purpose',
        'kek',
        '--id',
        oldKekId,
      ]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/^error VAULT_KEK_IN_USE: /);
      expect(refused.err).toContain(`"records":${progress.remaining}`);

      // Started again, it finishes; the CLI follows it to the end.
      region = await startUs();
      const followed = await cli([
        ...['keys', 'rewrap-status', ...keyArgs(), '--wait', '--interval-ms', '100', '--json'],
        ...['--timeout-ms', '240000'],
      ]);
      expect(followed.code).toBe(0);
      expect(JSON.parse(followed.out)).toMatchObject({ total, current: total, remaining: 0 });
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^domicile_vault_rewrap_remaining\{region="us"\} 0$/m);
      expect(metrics).toContain(`domicile_vault_records{kek_id="us-kek-2",region="us"} ${total}`);

      // Every record opens with the new KEK alone: none was left unreadable.
      const newOnly = new Vault({
        keyProvider: new LocalKeyProvider({
          kekId: newKeys.secrets.vaultKekId,
          kek: Buffer.from(newKeys.secrets.vaultKek ?? '', 'base64url'),
        }),
        panHashKey: Buffer.from(newKeys.secrets.panHashKey, 'base64url'),
      });
      const ids = await db
        .selectFrom('vault_records')
        .select('id')
        .where('wrapped_key', 'is not', null)
        .execute();
      expect(ids).toHaveLength(total);
      for (const { id } of ids) expect((await newOnly.open(db, id)).pan).toMatch(/^\d{16}$/);

      expect(await pay()).toMatchObject({ approved: true });

      // Retired once unused, removed from the key file; the region runs and pays without it.
      await region.stop();
      region = undefined;
      const retired = await cli([
        'keys',
        'retire',
        ...keyArgs(),
        '--purpose',
        'kek',
        '--id',
        oldKekId,
      ]);
      expect(retired).toMatchObject({ code: 0, err: '' });
      expect(await readFile(paths.regionKeys(dir, 'us'), 'utf8')).not.toContain(`"${oldKekId}"`);
      region = await startUs();
      expect(await pay()).toMatchObject({ approved: true });
      const log = await readFile(join(dir, 'us.log'), 'utf8');
      expect(log).not.toContain('could not be re-wrapped');
    }, 600_000);
  },
);
