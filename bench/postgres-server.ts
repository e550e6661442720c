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
  /** When it started, in ticks since boot: with the pid, names one process (pids are reused). */
  readonly started?: number;
}

/** PostgreSQL's own background processes: they work for every database (WAL, checkpoints). */
const SHARED =
  /: (checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver|stats collector)\s*$/;

/** How often the backends of the bench's databases are read, so that one that exits keeps its time. */
const SAMPLE_MS = 1_000;

/**
 * The machine's PostgreSQL server as a measured "server process", so that a PostgreSQL run
 * counts the database's CPU per operation beside the region's.
 *
 * Given the bench's databases, it counts their backends (and autovacuum workers) and the server's
 * shared background processes, not the backends of other databases: the machine may be shared
 * with other clients of the same server. A backend's time is read every second and kept once it
 * exits, so one that exits (a pool closing an idle connection) loses at most its last second.
 * Without databases it counts every process named `postgres`: the postmaster's own and reaped
 * time with the live backends' own time, which loses nothing but counts every other client too.
 */
export function postgresServer(databases?: readonly string[]): ServiceProcess {
  const all = postgresProcesses();
  const pids = new Set(all.map((p) => p.pid));
  const root = all.find((p) => !pids.has(p.ppid));
  const ledger = databases === undefined ? undefined : backendLedger(databases);
  return {
    name: 'postgres',
    pid: root?.pid ?? 0,
    readyLine: '',
    peakRssMb: () => undefined,
    cpuSeconds: () => {
      if (ledger !== undefined) return ledger.ticks() / USER_HZ;
      const all = postgresProcesses();
      return all.length === 0 ? undefined : cpuTicks(all) / USER_HZ;
    },
    stop: () => {
      ledger?.stop();
      return Promise.resolve();
    },
  };
}

/** The own CPU time of the processes that work for `databases`, each kept as last read. */
function backendLedger(databases: readonly string[]): { ticks(): number; stop(): void } {
  const names = new Set(databases);
  const seen = new Map<string, number>();
  const read = (): void => {
    for (const p of postgresProcesses()) {
      const title = commandLine(p.pid);
      const words = title.split(/\s+/);
      if (SHARED.test(title) || words.some((w) => names.has(w)))
        seen.set(`${p.pid}@${p.started}`, p.own);
    }
  };
  read();
  const timer = setInterval(read, SAMPLE_MS);
  timer.unref();
  return {
    ticks: () => {
      read();
      return [...seen.values()].reduce((sum, own) => sum + own, 0);
    },
    stop: () => clearInterval(timer),
  };
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return ''; // it exited while we looked
  }
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
    // Fields after the name: state ppid ... utime(12th) stime cutime cstime ... starttime(20th).
    const fields = stat.slice(close + 2).split(' ');
    const n = (i: number): number => Number(fields[i] ?? 0);
    found.push({
      pid: Number(entry),
      ppid: n(1),
      own: n(11) + n(12),
      children: n(13) + n(14),
      started: n(19),
    });
  }
  return found;
}
