/**
 * `npm run chaos -- --kills N [--db postgres] [--devices N]`: SIGKILLs region processes at random
 * moments while devices provision and pay, then checks the databases (`chaos-run.ts`). Prints the
 * report as JSON; exits 1 when an invariant broke.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stopServicesOnSignals } from '../service-process.js';
import { runChaos } from './chaos-run.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '10' },
    db: { type: 'string', default: 'sqlite' },
    devices: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
const kills = Number(values.kills);
const devices = Number(values.devices);
if (
  values.help ||
  !Number.isInteger(kills) ||
  kills < 0 ||
  !Number.isInteger(devices) ||
  devices < 1 ||
  (values.db !== 'sqlite' && values.db !== 'postgres')
) {
  process.stdout.write('usage: npm run chaos -- --kills N [--db sqlite|postgres] [--devices N]\n');
  process.exitCode = values.help ? 0 : 2;
} else {
  stopServicesOnSignals();
  const dir = await mkdtemp(join(tmpdir(), 'domicile-chaos-'));
  try {
    const report = await runChaos({
      dir,
      database: values.db,
      kills,
      devices,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (report.violations.length > 0) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
