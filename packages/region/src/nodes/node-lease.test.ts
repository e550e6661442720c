import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database, SqlDialectName } from '../storage/index.js';
import { openNodeDatabases, type NodeDatabases } from './node-databases.fixtures.js';
import { LEASE_TTL_MS, NodeLease, isIncarnationAlive } from './node-lease.js';

// Never skipped silently: without a PostgreSQL server these fail, unless the skip is asked for.
const dialects: SqlDialectName[] =
  process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('NodeLease on %s', (dialect) => {
  let dbs: NodeDatabases;
  let observer: Kysely<Database>;
  let t: number;
  const now = (): Date => new Date(t);
  const logger = { warn: vi.fn(), error: vi.fn() };
  const acquire = (db: Kysely<Database> = dbs.connect()): Promise<NodeLease> =>
    NodeLease.acquire({ db, logger, now, renewIntervalMs: 3_600_000 });
  const alive = (lease: NodeLease): Promise<boolean> =>
    isIncarnationAlive(observer, lease.incarnation, now());

  beforeAll(async () => {
    dbs = await openNodeDatabases(dialect);
    observer = dbs.connect();
  });
  afterAll(() => dbs.close());
  beforeEach(async () => {
    await observer.deleteFrom('node_leases').execute();
    t = Date.UTC(2026, 11, 1, 2, 0, 0);
    logger.warn.mockClear();
    logger.error.mockClear();
  });

  it('lives for its TTL, kept alive by renewals, and ends when the renewals stop', async () => {
    const lease = await acquire();
    t += LEASE_TTL_MS - 1;
    expect(await alive(lease)).toBe(true);
    await lease.renew();
    t += LEASE_TTL_MS - 1;
    expect(await alive(lease)).toBe(true);
    t += 1;
    expect(await alive(lease)).toBe(false);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('renews from its polling loop once started, and releases the lease when stopped', async () => {
    const lease = await acquire();
    t += LEASE_TTL_MS + 1;
    expect(await alive(lease)).toBe(false);
    lease.start();
    // The loop runs at once; the clock is frozen, so only that run can bring the lease back.
    await vi.waitFor(async () => expect(await alive(lease)).toBe(true), { timeout: 30_000 });
    await lease.stop();
    expect(await alive(lease)).toBe(false);
  });

  it('writes an ended lease anew when its live process renews it, and says so', async () => {
    const lease = await acquire();
    await observer.deleteFrom('node_leases').execute();
    expect(await alive(lease)).toBe(false);
    await lease.renew();
    expect(await alive(lease)).toBe(true);
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('knows an incarnation without a lease row for dead', async () => {
    expect(await isIncarnationAlive(observer, 'never-started', now())).toBe(false);
  });

  it('ends the lease of the incarnation that listened at the address a new process now listens on', async () => {
    const killed = await acquire();
    await killed.claimAddress('host-a http://127.0.0.1:8080');
    const elsewhere = await acquire();
    await elsewhere.claimAddress('host-a http://127.0.0.1:8081');
    const restarted = await acquire();
    // SQLite ends every other lease at the start already; PostgreSQL only once the address is claimed.
    if (dialect === 'postgres') expect(await alive(killed)).toBe(true);
    await restarted.claimAddress('host-a http://127.0.0.1:8080');
    expect(await alive(killed)).toBe(false);
    expect(await alive(restarted)).toBe(true);
    if (dialect === 'postgres') expect(await alive(elsewhere)).toBe(true);
    // A process that closes leaves its address first: one listening there next leaves it alive.
    await elsewhere.leaveAddress();
    const next = await acquire();
    await next.claimAddress('host-a http://127.0.0.1:8081');
    if (dialect === 'postgres') expect(await alive(elsewhere)).toBe(true);
    // A lease written anew keeps its address, so a later restart there still ends it.
    await observer.deleteFrom('node_leases').execute();
    await restarted.renew();
    const row = await observer
      .selectFrom('node_leases')
      .select('address')
      .where('incarnation', '=', restarted.incarnation)
      .executeTakeFirst();
    expect(row).toEqual({ address: 'host-a http://127.0.0.1:8080' });
  });

  it.runIf(dialect === 'sqlite')(
    'ends every other incarnation at once when a process starts on the file (one writer process)',
    async () => {
      const before = await acquire();
      const restarted = await acquire();
      expect(await alive(before)).toBe(false);
      expect(await alive(restarted)).toBe(true);
    },
  );

  it.runIf(dialect === 'postgres')(
    "keeps the other nodes' live leases when a node starts, and purges the expired",
    async () => {
      const live = await acquire();
      const crashed = await acquire();
      t += LEASE_TTL_MS / 2;
      await live.renew();
      t += LEASE_TTL_MS / 2 + 1;
      const started = await acquire();
      expect(await alive(live)).toBe(true);
      expect(await alive(started)).toBe(true);
      const rows = await observer.selectFrom('node_leases').select('incarnation').execute();
      expect(rows.map((r) => r.incarnation).sort()).toEqual(
        [live.incarnation, started.incarnation].sort(),
      );
      expect(rows.map((r) => r.incarnation)).not.toContain(crashed.incarnation);
    },
  );
});
