import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from '@domicile/device';
import { paths, readAuthorityPublicKey } from '@domicile/cli';
import { openDatabase } from '@domicile/region';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import { startService, type ServiceProcess } from '../bench/service-process.js';
import { createDeploymentFolder } from './testing/deployment-folder.js';
import { PASSPHRASE, cardInput, testCard } from './testing/e2e-deployment.js';
import { startStallingIssuer, type StallingIssuer } from './testing/stalling-issuer.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));

// Never skipped silently: without a PostgreSQL server the postgres case fails, unless asked to skip.
const databases = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

/**
 * A region process killed with SIGKILL in the middle of a provisioning request, then restarted:
 * the stock device SDK finishes adding the card with the request's own Idempotency-Key, and the
 * restarted region refuses none of its retries as still in progress (the killed process's
 * reservation is free as soon as the process is known dead: on its restart).
 */
describe.each(databases)('a region killed with SIGKILL mid-request, on %s', (database) => {
  let dir: string;
  let issuer: StallingIssuer;
  let postgres: TestPostgresDatabase | undefined;
  let region: ServiceProcess | undefined;
  let databaseUrl: string;
  let baseUrl: string;
  const logFile = (): string => join(dir, 'us.log');

  const startUs = (): Promise<ServiceProcess> =>
    startService({
      name: 'region us',
      args: [
        CLI,
        ...['region', 'serve', '--region', 'us', '--dir', dir, '--db', databaseUrl],
        ...['--log-file', logFile(), '--issuer-url', issuer.url],
      ],
      ready: /^region \S+ listening on /,
    });

  beforeAll(async () => {
    const folder = await createDeploymentFolder('domicile-crash-');
    dir = folder.dir;
    baseUrl = folder.baseUrl('us');
    issuer = await startStallingIssuer();
    if (database === 'postgres') postgres = await createTestPostgresDatabase('domicile_crash');
    databaseUrl = postgres?.connectionString ?? `sqlite:${join(dir, 'us.db')}`;
    region = await startUs();
    // A region process starts slowly on a loaded two-core machine.
  }, 120_000);

  afterAll(async () => {
    await region?.stop();
    await issuer.close();
    await postgres?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the stock SDK finish addCard with the same Idempotency-Key, without one 409', async () => {
    const wallet = await Wallet.create({
      path: join(dir, 'crash.wallet'),
      passphrase: PASSPHRASE,
      authorityKey: await readAuthorityPublicKey(paths.authorityPublic(dir)),
      bootstrapUrl: baseUrl,
      homeRegion: 'us',
    });
    await wallet.register({ name: 'Crash Test', email: 'crash@example.com' });
    const refusal = (): Promise<never> => Promise.reject(new Error('no ID&V for a green card'));
    const adding = wallet.addCard(cardInput(testCard('us', 'green')), {
      acceptTerms: () => Promise.resolve(true),
      chooseIdvMethod: refusal,
      readOtp: refusal,
    });

    // The region is inside `POST …/card`, waiting for the issuer, its key reserved.
    await issuer.stalled;
    const db = await openDatabase(databaseUrl);
    try {
      const held = await db
        .selectFrom('idempotency_keys')
        .select(['key', 'incarnation'])
        .where('state', '=', 'in_flight')
        .execute();
      expect(held).toHaveLength(1);
      const killed = held[0]?.incarnation;

      const running = region;
      if (running === undefined) throw new Error('the region did not start');
      process.kill(running.pid, 'SIGKILL');
      await running.stop();
      region = await startUs();

      expect(await adding).toMatchObject({ region: 'us', state: 'active' });
      expect(issuer.checks()).toBe(2);
      // The retry took the killed process's reservation over and finished it.
      const finished = await db
        .selectFrom('idempotency_keys')
        .select(['state', 'incarnation'])
        .where('key', '=', held[0]?.key ?? '')
        .executeTakeFirstOrThrow();
      expect(finished.state).toBe('done');
      expect(finished.incarnation).not.toBe(killed);
      expect(
        await db
          .selectFrom('idempotency_keys')
          .select('key')
          .where('state', '=', 'in_flight')
          .execute(),
      ).toEqual([]);
    } finally {
      await db.destroy();
    }
    const log = await readFile(logFile(), 'utf8');
    expect(log.match(/IDEMPOTENCY_IN_PROGRESS/g) ?? []).toEqual([]);
    expect(log).toMatch(/"url":"\/v1\/provisioning\/[^"]+\/card"\},"res":\{"statusCode":200\}/);
  }, 120_000);
});
