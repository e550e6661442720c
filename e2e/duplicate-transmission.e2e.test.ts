import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNetworkKey } from '@domicile/cli';
import {
  sendAuthorization,
  startNetworkRouter,
  type RunningNetworkRouter,
} from '@domicile/network';
import { openDatabase } from '@domicile/region';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import type { ServiceProcess } from '../bench/service-process.js';
import {
  addGreenCard,
  createRegionProcessDeployment,
  type RegionProcessDeployment,
} from './testing/region-process.js';
import { startStallingIssuer, type StallingIssuer } from './testing/stalling-issuer.js';

// Never skipped silently: without a PostgreSQL server the postgres case fails, unless asked to skip.
const databases = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

/**
 * Duplicate transmission across a crash: a region process killed with SIGKILL after it committed
 * an authorization's ATC claim, while the issuer was deciding, so the acquirer got no answer
 * through the router. Restarted, the region answers the acquirer's resend (same `requestId`)
 * with one approval under the first transmission's authorization id, not `atc_replayed`.
 */
describe.each(databases)(
  'an authorization cut by SIGKILL and resent through the router, on %s',
  (database) => {
    let deployment: RegionProcessDeployment;
    let issuer: StallingIssuer;
    let postgres: TestPostgresDatabase | undefined;
    let region: ServiceProcess | undefined;
    let router: RunningNetworkRouter | undefined;
    let databaseUrl: string;

    const startUs = (): Promise<ServiceProcess> =>
      deployment.startRegion({ region: 'us', databaseUrl, issuerUrl: issuer.url });

    beforeAll(async () => {
      deployment = await createRegionProcessDeployment();
      const network = 'sandbox-net';
      router = await startNetworkRouter({
        directoryJws: deployment.directoryJws,
        authorityKey: deployment.authorityKey,
        network,
        signingKey: await readNetworkKey(deployment.dir, network),
        host: '127.0.0.1',
        port: 0,
      });
      issuer = await startStallingIssuer('authorizations');
      if (database === 'postgres') postgres = await createTestPostgresDatabase('domicile_resend');
      databaseUrl = postgres?.connectionString ?? deployment.sqliteUrl('us');
      region = await startUs();
      // A region process starts slowly on a loaded two-core machine.
    }, 120_000);

    afterAll(async () => {
      await router?.close();
      await region?.stop();
      await issuer.close();
      await postgres?.drop();
      await deployment.cleanup();
    });

    it('approves the resend once, under the first transmission’s authorization id', async () => {
      const wallet = await deployment.registeredWallet('us', 'resend');
      const card = await addGreenCard(wallet, 'us');
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
