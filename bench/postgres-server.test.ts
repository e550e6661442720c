import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestPostgresDatabase } from '@domicile/region/testing';
import { cpuTicks, postgresServer } from './postgres-server.js';

describe('cpuTicks', () => {
  const postmaster = { pid: 10, ppid: 1, own: 50, children: 200 };
  const backend = { pid: 11, ppid: 10, own: 70, children: 0 };

  it("counts each process's own time and the roots' reaped children", () => {
    expect(cpuTicks([postmaster, backend])).toBe(320);
  });

  it('loses nothing when a backend exits and its time moves to the postmaster', () => {
    const reaped = { ...postmaster, children: postmaster.children + backend.own };
    expect(cpuTicks([reaped])).toBe(cpuTicks([postmaster, backend]));
  });

  it("ignores a child's own reaped counters, which its root's already hold once it exits", () => {
    expect(cpuTicks([postmaster, { ...backend, children: 30 }])).toBe(320);
  });
});

describe('postgresServer', () => {
  it("reads the CPU time of this machine's PostgreSQL server", () => {
    const server = postgresServer();
    expect(server.pid).toBeGreaterThan(0);
    expect(server.cpuSeconds()).toBeGreaterThan(0);
  });
});

describe.skipIf(process.env.DOMICILE_SKIP_PG === '1')('postgresServer of given databases', () => {
  it("counts the work of its databases' backends, not another database's", async () => {
    const ours = await createTestPostgresDatabase('bench_cpu_ours');
    const other = await createTestPostgresDatabase('bench_cpu_other');
    const name = (url: string): string => new URL(url).pathname.slice(1);
    const mine = postgresServer([name(ours.connectionString)]);
    const theirs = postgresServer([name(other.connectionString)]);
    const client = new pg.Client({ connectionString: other.connectionString });
    try {
      await client.connect();
      const [mine0, theirs0] = [mine.cpuSeconds() ?? 0, theirs.cpuSeconds() ?? 0];
      await client.query('select count(*) from generate_series(1, 3000000)');
      const [mine1, theirs1] = [mine.cpuSeconds() ?? 0, theirs.cpuSeconds() ?? 0];
      // Both count the shared background processes; only one the backend that did the work.
      expect(theirs1 - theirs0 - (mine1 - mine0)).toBeGreaterThanOrEqual(0.1);
    } finally {
      await client.end();
      await Promise.all([mine.stop(), theirs.stop()]);
      await ours.drop();
      await other.drop();
    }
  });
});
