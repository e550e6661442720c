import { describe, expect, it } from 'vitest';
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
