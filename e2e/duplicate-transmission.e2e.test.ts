import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from '@domicile/device';
import {
  freePorts,
  generateKeys,
  paths,
  readAuthorityPublicKey,
  readNetworkKey,
  readRegionsConfig,
  signDeploymentDirectory,
} from '@domicile/cli';
import {
  sendAuthorization,
  startNetworkRouter,
  type RunningNetworkRouter,
} from '@domicile/network';
import { openDatabase } from '@domicile/region';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import { startService, type ServiceProcess } from '../bench/service-process.js';
import { CONFIG_FILE, PASSPHRASE, cardInput, testCard } from './testing/e2e-deployment.js';
import { startStallingIssuer, type StallingIssuer } from './testing/stalling-issuer.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));

// Never skipped silently: without a PostgreSQL server the postgres case fails, unless asked to skip.
const databases = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

/**
 * Duplicate transmission across a crash: a region process killed with SIGKILL after it committed
 * an authorization's ATC claim, while the issuer was deciding, so the acquirer got no answer
 * through the router. Restarted, the region answers the acquirer's resend (same `requestId`)
 * with one approval under the first transmission's authorization id, not `atc_replayed`.
 */
describe.each(databases)(
  'an authorization cut by SIGKILL, resent through the router, on %s',
  (database) => {
    let dir: string;
    let issuer: StallingIssuer;
    let postgres: TestPostgresDatabase | undefined;
    let region: ServiceProcess | undefined;
    let router: RunningNetworkRouter | undefined;
    let databaseUrl: string;
    let baseUrl: string;

    const startUs = (): Promise<ServiceProcess> =>
      startService({
        name: 'region us',
        args: [
          CLI,
          ...['region', 'serve', '--region', 'us', '--dir', dir, '--db', databaseUrl],
          ...['--log-file', join(dir, 'us.log'), '--issuer-url', issuer.url],
        ],
        ready: /^region \S+ listening on /,
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'domicile-resend-'));
      const config = await readRegionsConfig(CONFIG_FILE);
      const ports = await freePorts(config.regions.length);
      const baseUrls = new Map(
        config.regions.map((r, i) => [r.id, `http://127.0.0.1:${ports[i] ?? 0}`]),
      );
      baseUrl = baseUrls.get('us') ?? '';
      await generateKeys(dir, config);
      const directoryJws = await signDeploymentDirectory(dir, config, {
        baseUrls,
        networkBaseUrls: new Map(),
      });
      const network = config.networks?.[0]?.id ?? '';
      router = await startNetworkRouter({
        directoryJws,
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
        network,
        signingKey: await readNetworkKey(dir, network),
        host: '127.0.0.1',
        port: 0,
      });
      issuer = await startStallingIssuer('authorizations');
      if (database === 'postgres') postgres = await createTestPostgresDatabase('domicile_resend');
      databaseUrl = postgres?.connectionString ?? `sqlite:${join(dir, 'us.db')}`;
      region = await startUs();
      // A region process starts through tsx: slow on a loaded two-core machine.
    }, 120_000);

    afterAll(async () => {
      await router?.close();
      await region?.stop();
      await issuer.close();
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('approves the resend once, under the first transmission’s authorization id', async () => {
      const wallet = await Wallet.create({
        path: join(dir, 'resend.wallet'),
        passphrase: PASSPHRASE,
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
        bootstrapUrl: baseUrl,
        homeRegion: 'us',
      });
      await wallet.register({ name: 'Resend Test', email: 'resend@example.com' });
      const refusal = (): Promise<never> => Promise.reject(new Error('no ID&V for a green card'));
      const card = await wallet.addCard(cardInput(testCard('us', 'green')), {
        acceptTerms: () => Promise.resolve(true),
        chooseIdvMethod: refusal,
        readOtp: refusal,
      });
      const request = {
        ...(await wallet.pay({
          card: card.tokenRef,
          amountMinor: 4_200,
          currency: 'USD',
          country: 'US',
          merchant: { id: 'crash-shop', name: 'Crash Shop' },
        })),
        requestId: 'CRASH-ACQ:20261201:000001',
      };
      const routerUrl = router?.url ?? '';

      // The region has claimed the ATC and is asking the issuer, which holds the question.
      // Caught at once: the router answers 502 as soon as the region dies, before the test awaits it.
      const lost = sendAuthorization({ routerUrl, request }).catch((error: unknown) => error);
      await issuer.stalled;
      const running = region;
      if (running === undefined) throw new Error('the region did not start');
      process.kill(running.pid, 'SIGKILL');
      await running.stop();
      expect(await lost).toMatchObject({ code: 'REGION_UNREACHABLE' });
      region = await startUs();

      const resent = await sendAuthorization({ routerUrl, request });
      expect(resent).toMatchObject({ approved: true, reason: 'approved', responseCode: '00' });
      expect(resent.arpc).toMatch(/^[0-9A-F]{8}$/);
      const [first, second] = issuer.authorizations();
      expect(issuer.authorizations()).toHaveLength(2);
      expect(second).toBe(first);
      expect(resent.authorizationId).toBe(first);
      expect(await sendAuthorization({ routerUrl, request })).toEqual(resent);
      expect(issuer.authorizations()).toHaveLength(2);

      const db = await openDatabase(databaseUrl);
      try {
        const rows = await db
          .selectFrom('transactions')
          .select(['id', 'approved'])
          .where('token_ref', '=', card.tokenRef)
          .execute();
        expect(rows).toEqual([{ id: resent.authorizationId, approved: 1 }]);
      } finally {
        await db.destroy();
      }
    }, 120_000);
  },
);
