import type { RunSize } from '../bench-options.js';
import type { WorkloadSpec } from '../load-job.js';
import { figureOf, type Figure } from '../report.js';
import { runLoadInChild } from '../run-load.js';
import type { ServiceProcess } from '../service-process.js';
import { definedProps } from '@domicile/protocol';

/** Progress lines on stderr, so the table on stdout stays clean. */
export function progress(line: string): void {
  process.stderr.write(`· ${line}\n`);
}

/** One workload of a measurement, and the server processes whose CPU time its figure reports. */
export interface MeasuredWorkload {
  readonly label: string;
  readonly workload: WorkloadSpec;
  readonly servers?: readonly ServiceProcess[];
}

export interface MeasureOptions {
  readonly concurrency: number;
  readonly unit: string;
  readonly rate?: number;
}

/**
 * Runs one workload in the load generator process and turns its rounds into a figure, with the
 * CPU time per operation of the load generator and of each of `servers` over the counted rounds.
 */
export async function measure(
  label: string,
  workload: WorkloadSpec,
  size: RunSize,
  options: MeasureOptions & { servers?: readonly ServiceProcess[] },
): Promise<Figure> {
  const [figure] = await measureInterleaved(
    [{ label, workload, ...definedProps({ servers: options.servers }) }],
    size,
    options,
  );
  if (figure === undefined) throw new Error('a measurement of one workload gave no figure');
  return figure;
}

/**
 * Runs several workloads in one load generator process, their rounds alternating, and returns
 * one figure each. Every figure's server CPU time is read over its own rounds only. Figures taken
 * together share a `series`, and their rounds pair up: round i of each ran seconds apart.
 */
export async function measureInterleaved(
  measured: readonly MeasuredWorkload[],
  size: RunSize,
  options: MeasureOptions,
): Promise<Figure[]> {
  const job = {
    workloads: measured.map((m) => m.workload),
    concurrency: options.concurrency,
    ...size,
    ...definedProps({ rate: options.rate }),
  };
  const cpu = measured.map((m) => ({
    servers: m.servers ?? [],
    before: new Map<string, number>(),
    used: new Map<string, number>(),
  }));
  const results = await runLoadInChild(job, (phase, index) => {
    const entry = cpu[index];
    if (entry === undefined) return;
    for (const server of entry.servers) {
      const now = server.cpuSeconds();
      if (now === undefined) continue;
      if (phase === 'start') entry.before.set(server.name, now);
      const start = entry.before.get(server.name);
      if (phase === 'end' && start !== undefined)
        entry.used.set(server.name, (entry.used.get(server.name) ?? 0) + now - start);
    }
  });
  const operations = Math.max(1, size.rounds * size.perRound);
  const series = measured.length > 1 ? measured.map((m) => m.label).join(' | ') : undefined;
  return measured.map((m, i) => {
    const result = results[i];
    if (result === undefined) throw new Error(`the load generator gave no result for ${m.label}`);
    const used = cpu[i]?.used ?? new Map<string, number>();
    const figure = figureOf(
      result,
      options.unit,
      job,
      {
        'load generator': result.cpuMsPerOperation,
        ...Object.fromEntries(
          [...used].map(([name, seconds]) => [
            name,
            Math.round(((seconds * 1000) / operations) * 1000) / 1000,
          ]),
        ),
      },
      series,
    );
    const failed =
      figure.errors === 0 ? '' : `, ${figure.errors} failed (${figure.firstError ?? '?'})`;
    const cpuText = Object.entries(figure.cpuMsPerOperation)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
    progress(
      `${m.label}: ${figure.throughput.median} ${options.unit}, p99 ${figure.p99Ms.median} ms; CPU ms per operation: ${cpuText}${failed}`,
    );
    return figure;
  });
}
