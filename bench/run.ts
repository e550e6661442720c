/**
 * `npm run bench`: measures Domicile against its baselines in one run, prints the table and
 * writes every figure to `bench/results/latest.json`. `npm run bench -- --help` for the options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseBenchOptions } from './bench-options.js';
import { runBenchmarks } from './bench-runner.js';
import { formatReport } from './report-table.js';
import { stopServicesOnSignals } from './service-process.js';
import { formatStartup, measureStartup } from './startup.js';

const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  process.stdout.write(`${USAGE}\n`);
} else {
  stopServicesOnSignals();
  const options = parseBenchOptions(argv, DEFAULT_OUT);
  const report = await runBenchmarks(options);
  const startup = await measureStartup(options.settings.mode === 'quick' ? 1 : 5);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify({ ...report, startup }, null, 2)}\n`);
  process.stdout.write(formatReport(report));
  process.stdout.write(formatStartup(startup));
  process.stdout.write(`\nwritten to ${options.out}\n`);
}
