import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadMessage, LoadResult } from './load-job.js';

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

let profileDir: string | undefined;

/** Writes a V8 CPU profile of every load generator process from now on into `dir`. */
export function profileLoadGenerators(dir: string): void {
  profileDir = dir;
}

/**
 * Runs a load job in a separate load generator process and returns its results, one per
 * workload. The process runs the TypeScript sources through tsx (the region servers it measures
 * run the compiled build). `counted` is called as each counted round starts and ends.
 */
export function runLoadInChild(
  job: LoadJob,
  counted?: (phase: 'start' | 'end', workload: number) => void,
): Promise<readonly LoadResult[]> {
  return new Promise((resolve, reject) => {
    // A folder per process: the tsx loader thread writes a profile of its own beside the main one.
    const profile =
      profileDir === undefined
        ? []
        : [
            '--cpu-prof',
            '--cpu-prof-dir',
            join(profileDir, `load-${job.workloads.map((w) => w.kind).join('+')}-${Date.now()}`),
          ];
    const child = fork(GENERATOR, [], {
      execArgv: ['--import', 'tsx', '--conditions=@domicile/source', ...profile],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let answer: LoadMessage | undefined;
    child.on('message', (message: LoadMessage) => {
      if (message.type === 'counted') counted?.(message.phase, message.workload);
      else answer = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (answer?.type === 'result') resolve(answer.results);
      else
        reject(
          new Error(
            answer?.type === 'failed'
              ? `load generator failed: ${answer.error}`
              : `load generator exited with ${String(code)}`,
          ),
        );
    });
    child.send(job);
  });
}
