import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openNodeDatabases, type NodeDatabases } from '../nodes/node-databases.fixtures.js';
import type { Database } from '../storage/index.js';
import { insertNotification } from './notification-store.js';

const data = { type: 'credential.activated', tokenRef: 'token-ref-1' } as const;

// Never skipped silently: without a PostgreSQL server this fails, unless the skip is asked for.
describe.skipIf(process.env.DOMICILE_SKIP_PG === '1')(
  "a device's notification ids on PostgreSQL",
  () => {
    let dbs: NodeDatabases;
    beforeAll(async () => {
      dbs = await openNodeDatabases('postgres');
    });
    afterAll(() => dbs.close());

    const lastDrawn = async (db: Kysely<Database>): Promise<number> => {
      const { rows } = await sql<{ last: string }>`select last_value as last
        from pg_sequences where sequencename = 'notifications_id_seq'`.execute(db);
      return Number(rows[0]?.last ?? 0);
    };

    it('draws its id only once the writer before it on that device has committed', async () => {
      const [first, second, observer] = [dbs.connect(), dbs.connect(), dbs.connect()];
      let commitFirst: () => void = () => undefined;
      let firstId = 0;
      const firstWriter = first.transaction().execute(async (trx) => {
        firstId = await insertNotification(trx, 'device-1', data);
        await new Promise<void>((resolve) => (commitFirst = resolve));
      });
      await vi.waitFor(() => expect(firstId).toBeGreaterThan(0), { timeout: 30_000 });
      const secondWriter = second
        .transaction()
        .execute((trx) => insertNotification(trx, 'device-1', data));
      // Waiting on the device's lock, with no id drawn: it cannot commit an id below the first's.
      await vi.waitFor(
        async () => {
          const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity
          where wait_event_type = 'Lock' and wait_event = 'advisory'`.execute(observer);
          expect(Number(rows[0]?.n)).toBe(1);
        },
        { timeout: 30_000 },
      );
      expect(await lastDrawn(observer)).toBe(firstId);
      commitFirst();
      await firstWriter;
      expect(await secondWriter).toBeGreaterThan(firstId);
    });
  },
);
