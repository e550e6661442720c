import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { createTestPostgresDatabase } from '../testing/index.js';
import { describeNotificationHubContract } from './notification-hub.contract.js';
import { LocalNotificationHub, PostgresNotificationHub } from './notification-hub.js';

describeNotificationHubContract('local', () =>
  Promise.resolve({
    open: () => Promise.resolve(new LocalNotificationHub()),
    sharedAcrossNodes: false,
    // Its emitter calls listeners inside publish(): nothing is ever still on its way.
    settle: () => Promise.resolve(),
    dispose: () => Promise.resolve(),
  }),
);

// Never skipped silently: without a server these tests fail, unless the skip is asked for.
const skip = process.env.DOMICILE_SKIP_PG === '1';

describe.skipIf(skip)('postgres', () => {
  describeNotificationHubContract('postgres', async () => {
    const database = await createTestPostgresDatabase('domicile_hub');
    // The test's own connection: it sends the barrier NOTIFY and counts the hubs' connections.
    const admin = new pg.Client({ connectionString: database.connectionString });
    await admin.connect();
    return {
      open: async () => {
        const hub = new PostgresNotificationHub(database.connectionString);
        await hub.ready();
        return hub;
      },
      sharedAcrossNodes: true,
      // PostgreSQL delivers notifications in commit order: once every hub's own NOTIFYs are
      // committed, a barrier NOTIFY sent after them reaches each hub after everything before it.
      settle: async (listed) => {
        for (const hub of listed) if (hub instanceof PostgresNotificationHub) await hub.ready();
        const barrier = `barrier-${randomBytes(6).toString('hex')}`;
        const arrived = listed.map(
          (hub) =>
            new Promise<void>((resolve) => {
              const stop = hub.subscribe(barrier, () => {
                stop();
                resolve();
              });
            }),
        );
        await admin.query('select pg_notify($1, $2)', ['domicile_notifications', barrier]);
        await Promise.all(arrived);
      },
      openConnections: async () => {
        const { rows } = await admin.query<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        );
        return rows[0]?.n ?? 0;
      },
      dispose: async () => {
        await admin.end();
        await database.drop();
      },
    };
  });
});
