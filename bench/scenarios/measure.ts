import type { RunSize } from '../bench-options.js';
import type { WorkloadSpec } from '../load-job.js';
import { figureOf, type Figure } from '../report.js';
import { runLoadInChild } from '../run-load.js';
import type { ServiceProcess } from '../service-process.js';

/** Progress lines on stderr, so the table on stdout stays clean. */
export function progress(line: string): void {
  process.stderr.write(`· ${line}\n`);
}

/**
 * Runs one workload in the load generator process and turns its rounds into a figure, with the
 * CPU time per operation of the load generator and of each of `servers` over the counted rounds.
 */
export async function measure(
  label: string, workload: WorkloadSpec, size: RunSize,
  options: { concurrency: number; unit: string; rate?: number; servers?: readonly ServiceProcess[] },
): Promise<Figure> {
  const job = { workload, concurrency: options.concurrency, ...size, ...(options.rate === undefined ? {} : { rate: options.rate }) };
  const servers = options.servers ?? [];
  const before = new Map<string, number | undefined>();
  const used = new Map<string, number>();
  const result = await runLoadInChild(job, (phase) => {
    for (const server of servers) {
      if (phase === 'start') before.set(server.name, server.cpuSeconds());
      const start = before.get(server.name);
      const now = server.cpuSeconds();
      if (phase === 'end' && start !== undefined && now !== undefined) used.set(server.name, now - start);
    }
  });
  const operations = Math.max(1, size.rounds * size.perRound);
  const figure = figureOf(result, options.unit, job, {
    'load generator': result.cpuMsPerOperation,
    ...Object.fromEntries([...used].map(([name, seconds]) => [name, Math.round((seconds * 1000 / operations) * 1000) / 1000])),
  });
  const failed = figure.errors === 0 ? '' : `, ${figure.errors} failed (${figure.firstError ?? '?'})`;
  const cpu = Object.entries(figure.cpuMsPerOperation).map(([name, ms]) => `${name} ${ms}`).join(', ');
  progress(`${label}: ${figure.throughput.median} ${options.unit}, p99 ${figure.p99Ms.median} ms; CPU ms per operation: ${cpu}${failed}`);
  return figure;
}
