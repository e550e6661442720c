import { readFileSync, readdirSync } from 'node:fs';
import type { ServiceProcess } from './service-process.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ). */
const USER_HZ = 100;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in ticks. */
  readonly own: number;
  /** cutime + cstime: what its exited, reaped children used, in ticks. */
  readonly children: number;
}

/**
 * The machine's PostgreSQL server as a measured "server process": its CPU time is that of every
 * process named `postgres`, so that a PostgreSQL run counts the database's CPU per operation beside
 * the region's. A backend that exits is reaped by the postmaster, whose `cutime`/`cstime` then
 * hold its time: summing the postmaster's own and reaped time with the live backends' own time
 * loses nothing between two readings. Other clients of the same server would count too: the bench
 * is meant to run on a machine where it is the only one.
 */
export function postgresServer(): ServiceProcess {
  const all = postgresProcesses();
  const pids = new Set(all.map((p) => p.pid));
  const root = all.find((p) => !pids.has(p.ppid));
  return {
    name: 'postgres',
    pid: root?.pid ?? 0,
    readyLine: '',
    peakRssMb: () => undefined,
    cpuSeconds: () => {
      const all = postgresProcesses();
      if (all.length === 0) return undefined;
      const pids = new Set(all.map((p) => p.pid));
      const ticks = all.reduce((sum, p) => sum + p.own + (pids.has(p.ppid) ? 0 : p.children), 0);
      return ticks / USER_HZ;
    },
    stop: () => Promise.resolve(),
  };
}

/**
 * CPU ticks of a tree of processes: every process's own time, plus the reaped children's time of
 * the roots (a process whose parent is not in the list). A child that exited moves its time into
 * its root's reaped counters, so the sum never drops.
 */
export function cpuTicks(processes: readonly ProcStat[]): number {
  const pids = new Set(processes.map((p) => p.pid));
  return processes.reduce((sum, p) => sum + p.own + (pids.has(p.ppid) ? 0 : p.children), 0);
}

function postgresProcesses(): ProcStat[] {
  const found: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited while we looked
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(open + 1, close) !== 'postgres') continue;
    // Fields after the name: state ppid ... utime(12th) stime cutime cstime.
    const fields = stat.slice(close + 2).split(' ');
    const n = (i: number): number => Number(fields[i] ?? 0);
    found.push({ pid: Number(entry), ppid: n(1), own: n(11) + n(12), children: n(13) + n(14) });
  }
  return found;
}
