import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import {
  createRegionFixture,
  createTestDevice,
  type TestDevice,
} from '../testing/region-fixture.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/test-database.js';
import { requireIdempotentDeviceWrites } from './device-auth.js';

const US = 'http://127.0.0.1:17101';
// Never skipped silently: without a PostgreSQL server these fail, unless the skip is asked for.
const dialects = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)(
  'a device write spends its DPoP proof with its Idempotency-Key, on %s',
  (dialect) => {
    let region: Region;
    let device: TestDevice;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const fixture = await createRegionFixture();
      if (dialect === 'postgres') {
        const pg: TestPostgresDatabase = await createTestPostgresDatabase('idempotent_writes');
        region = await fixture.region('us', pg.connectionString);
        cleanup = () => pg.drop();
      } else {
        const dir = await mkdtemp(join(tmpdir(), 'idempotent-writes-'));
        region = await fixture.region('us', join(dir, 'region.db'));
        cleanup = () => rm(dir, { recursive: true, force: true });
      }
      device = await createTestDevice();
    });
    afterAll(async () => {
      await region.close();
      await cleanup();
    });

    const register = (headers: Record<string, string>) =>
      region.app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers,
        payload: JSON.stringify({
          name: 'Jane Doe',
          email: 'jane@example.com',
          device: { encryptionKey: device.encryption.publicJwk },
        }),
      });
    const spent = async (proof: string): Promise<boolean> => {
      const { jti } = decodeJwt(proof);
      const row = await region.context.db
        .selectFrom('single_use_ids')
        .select('jti')
        .where('kind', '=', 'dpop')
        .where('jti', '=', String(jti))
        .executeTakeFirst();
      return row !== undefined;
    };
    const keyState = async (key: string): Promise<string | undefined> =>
      (
        await region.context.db
          .selectFrom('idempotency_keys')
          .select('state')
          .where('key', '=', key)
          .executeTakeFirst()
      )?.state;

    it('records the proof and the key, refuses the proof again, and spends a retry’s new proof too', async () => {
      const key = `writes-${dialect}-first-0123456789`;
      const first = await device.headers('POST', `${US}/v1/accounts`, key);
      const created = await register(first);
      expect(created.statusCode).toBe(201);
      expect(await spent(first.dpop ?? '')).toBe(true);
      expect(await keyState(key)).toBe('done');

      // The same proof again, with its key or a new one: refused before anything runs.
      for (const again of [key, `writes-${dialect}-other-0123456789`]) {
        const replayed = await register({ ...first, 'idempotency-key': again });
        expect(replayed.statusCode).toBe(401);
        expect(replayed.json()).toMatchObject({ error: { code: 'DPOP_REPLAYED' } });
      }
      expect(await keyState(`writes-${dialect}-other-0123456789`)).toBeUndefined();

      // A retry with a fresh proof gets the first answer, and its proof is spent as well.
      const retry = await device.headers('POST', `${US}/v1/accounts`, key);
      const replayedAnswer = await register(retry);
      expect(replayedAnswer.statusCode).toBe(201);
      expect(replayedAnswer.headers['idempotent-replayed']).toBe('true');
      expect(replayedAnswer.json()).toEqual(created.json());
      expect(await spent(retry.dpop ?? '')).toBe(true);
      expect((await register(retry)).json()).toMatchObject({ error: { code: 'DPOP_REPLAYED' } });
    });

    it('keeps a read’s proof single-use on its own', async () => {
      const headers = await device.headers('GET', `${US}/v1/notifications?after=0`);
      const read = () =>
        region.app.inject({ method: 'GET', url: '/v1/notifications?after=0', headers });
      expect((await read()).statusCode).toBe(200);
      expect(await spent(headers.dpop ?? '')).toBe(true);
      expect((await read()).json()).toMatchObject({ error: { code: 'DPOP_REPLAYED' } });
    });
  },
);

/** The `details.reason` of what `work` throws. */
function reasonOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return (error as { details?: { reason?: unknown } }).details?.reason;
  }
  return undefined;
}

describe('every state-changing device route goes through the idempotent path', () => {
  it('refuses to build an app with a device write that is not idempotent', async () => {
    const app = Fastify();
    app.addHook('onRoute', requireIdempotentDeviceWrites);
    app.get('/read', { config: { auth: 'device' } }, () => ({}));
    app.post('/operator', { config: { auth: 'operator' } }, () => ({}));
    app.post('/write', { config: { auth: 'device', idempotent: true } }, () => ({}));
    expect(reasonOf(() => app.post('/bare', { config: { auth: 'dpop' } }, () => ({})))).toMatch(
      /\/bare changes state but is not idempotent/,
    );
    expect(
      reasonOf(() =>
        app.route({
          method: ['GET', 'DELETE'],
          url: '/both',
          config: { auth: 'device-or-lost' },
          handler: () => ({}),
        }),
      ),
    ).toMatch(/\/both changes state/);
    await app.close();
  });

  it('a route marked idempotent answers through sendIdempotent (each file: as many of one as the other)', async () => {
    const folder = new URL('./routes/', import.meta.url);
    const files = (await readdir(folder)).filter((f) => f.endsWith('-routes.ts'));
    let marked = 0;
    for (const file of files) {
      const source = await readFile(new URL(file, folder), 'utf8');
      const routes = source.match(/idempotent: (true|'one-commit')/g)?.length ?? 0;
      const sends = source.match(/sendIdempotent\(\s*ctx,\s*request,\s*reply,/g)?.length ?? 0;
      expect({ file, sends }).toEqual({ file, sends: routes });
      marked += routes;
    }
    expect(marked).toBeGreaterThanOrEqual(11);
  });
});
