import { setTimeout as sleep } from 'node:timers/promises';
import { isDomicileError, definedProps } from '@domicile/protocol';
import type { LoadJob, LoadResult, RoundResult } from './load-job.js';
import { round, summarizeLatency } from './stats.js';
import type { Workload } from './workloads/workload.js';

interface Tally {
  errors: number;
  firstError?: string;
}

/**
 * Runs a load job against its prepared workloads: each one's warm-up, then `rounds` rounds of
 * `perRound` operations each, every operation timed on its own, the workloads' rounds
 * alternating. A workload's operation indexes run on from its warm-up through its rounds, so an
 * operation never reuses what an earlier one consumed (a device, an ATC). `counted` is told when
 * each counted round starts and ends (the parent reads the servers' CPU time then).
 */
export async function runLoad(
  job: LoadJob,
  workloads: readonly Workload[],
  counted?: (phase: 'start' | 'end', workload: number) => Promise<void>,
): Promise<LoadResult[]> {
  const runs: {
    workload: Workload;
    prepareSeconds: number;
    tally: Tally;
    rounds: RoundResult[];
    cpuMicros: number;
  }[] = [];
  for (const workload of workloads) {
    const started = performance.now();
    await workload.prepare(job.warmup + job.rounds * job.perRound);
    runs.push({
      workload,
      prepareSeconds: round((performance.now() - started) / 1000),
      tally: { errors: 0 },
      rounds: [],
      cpuMicros: 0,
    });
  }
  for (const run of runs)
    if (job.warmup > 0) await runBatch(job, run.workload, 0, job.warmup, run.tally);
  for (let r = 0; r < job.rounds; r++) {
    for (const [index, run] of runs.entries()) {
      await counted?.('start', index);
      const { result, cpu } = await runBatch(
        job,
        run.workload,
        job.warmup + r * job.perRound,
        job.perRound,
        run.tally,
      );
      await counted?.('end', index);
      run.rounds.push(result);
      run.cpuMicros += cpu;
    }
  }
  return runs.map(({ rounds, tally, prepareSeconds, cpuMicros }) => ({
    rounds,
    errors: tally.errors,
    prepareSeconds,
    cpuMsPerOperation: round(cpuMicros / 1000 / Math.max(1, job.rounds * job.perRound)),
    ...definedProps({ firstError: tally.firstError }),
  }));
}

/** One batch of operations: the round's result, and the CPU time (µs) the generator spent running it. */
async function runBatch(
  job: LoadJob,
  workload: Workload,
  first: number,
  count: number,
  tally: Tally,
): Promise<{ result: RoundResult; cpu: number }> {
  await workload.prepareBatch?.(first, count);
  const cpu = process.cpuUsage();
  const latencies: number[] = [];
  let errors = 0;
  const timed = async (index: number, startedAt: number): Promise<void> => {
    try {
      await workload.run(index);
      latencies.push(performance.now() - startedAt);
    } catch (error) {
      errors++;
      tally.errors++;
      tally.firstError ??= describe(error);
    }
  };
  const begin = performance.now();
  if (job.rate === undefined) await closedLoop(job.concurrency, first, count, timed);
  else await openLoop(job.rate, job.concurrency, first, count, timed);
  const seconds = (performance.now() - begin) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    result: {
      operations: count,
      errors,
      seconds: round(seconds),
      throughput: round(latencies.length / seconds),
      latencyMs: summarizeLatency(latencies),
    },
    cpu: used.user + used.system,
  };
}

/** `concurrency` workers, each starting its next operation as soon as the last one ends. */
async function closedLoop(
  concurrency: number,
  first: number,
  count: number,
  timed: (index: number, startedAt: number) => Promise<void>,
): Promise<void> {
  let next = first;
  const end = first + count;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < end; i = next++) await timed(i, performance.now());
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
}

/**
 * Operations start on a fixed schedule (`rate` per second) whatever the server does; one that
 * has to wait for a free slot is late, and its latency counts from when it should have started
 * (no coordinated omission).
 */
async function openLoop(
  rate: number,
  concurrency: number,
  first: number,
  count: number,
  timed: (index: number, startedAt: number) => Promise<void>,
): Promise<void> {
  const begin = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let k = 0; k < count; k++) {
    const scheduled = begin + (k * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const op = timed(first + k, scheduled).finally(() => inFlight.delete(op));
    inFlight.add(op);
  }
  await Promise.all(inFlight);
}

/**
 * What failed, in a few words: a DomicileError's code (its message is fixed and says nothing
 * more), or the message of the bench's own errors and of the HTTP client's.
 */
export function describe(error: unknown): string {
  if (isDomicileError(error)) {
    const reason = error.details?.reason;
    return typeof reason === 'string' ? `${error.code} (${reason})` : error.code;
  }
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 120)}` : 'unknown';
}
