import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server running in a process of its own: a region, a network router, the HTTP ceiling. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** What the process printed when it was ready (its first line matching `ready`). */
  readonly readyLine: string;
  /** Peak resident memory so far, in MiB (`VmHWM` of /proc/<pid>/status); undefined off Linux. */
  peakRssMb(): number | undefined;
  /** CPU time used so far (user + system), in seconds (/proc/<pid>/stat); undefined off Linux. */
  cpuSeconds(): number | undefined;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export interface StartServiceOptions {
  readonly name: string;
  /** Arguments to `node` (flags such as `--cpu-prof`, then the script and its arguments). */
  readonly args: readonly string[];
  /** The line that says the server is listening. */
  readonly ready: RegExp;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Every service started and not yet exited: what an interrupted bench must not leave running. */
const running = new Set<ChildProcess>();

/**
 * Makes Ctrl-C or a SIGTERM of the bench stop the servers it started (Node's default for those
 * signals ends the process at once and leaves its children running, holding their ports).
 */
export function stopServicesOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGTERM');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Starts `node args…` and resolves once it prints a line matching `ready`. */
export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...options.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const readyLine = await waitForLine(child, options);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // Keep draining output, so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    name: options.name,
    pid,
    readyLine,
    peakRssMb: () => peakRssMb(pid),
    cpuSeconds: () => cpuSeconds(pid),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForLine(child: ChildProcess, options: StartServiceOptions): Promise<string> {
  let out = '';
  let err = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        fail(new Error(`${options.name} was not ready within ${options.timeoutMs ?? 60_000} ms`)),
      options.timeoutMs ?? 60_000,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${err.slice(-2000)}`));
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => options.ready.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stderr?.removeListener('data', onError);
        child.removeListener('exit', onExit);
        resolve(line);
      }
    });
    const onError = (chunk: Buffer): void => {
      err += chunk.toString('utf8');
    };
    const onExit = (code: number | null): void =>
      fail(new Error(`${options.name} exited with ${String(code)} before it was ready`));
    child.stderr?.on('data', onError);
    child.once('exit', onExit);
  });
}

/** `VmHWM` (peak resident set) of a process, in MiB. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux port that matters. */
const USER_HZ = 100;

/** User plus system CPU time of a process, in seconds. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}
