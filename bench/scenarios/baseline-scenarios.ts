import { startHttpCeiling } from '../baselines/http-ceiling-process.js';
import type { BenchSettings } from '../bench-options.js';
import type { BenchReport } from '../report.js';
import { measure } from './measure.js';

/**
 * The two baselines, measured in the same run as the scenarios so that a slow or noisy machine
 * moves both sides of every ratio: the crypto floor of a home and a redirected flow (in the load
 * generator process, no HTTP, no database), and the HTTP ceiling (a bare fastify route in its own
 * process, under the same load generator).
 */
export async function measureBaselines(settings: BenchSettings): Promise<BenchReport['baselines']> {
  const { concurrency } = settings;
  const cryptoFloorHome = await measure('crypto floor, home flow', { kind: 'crypto-floor', redirected: false }, settings.cryptoFloor, { concurrency, unit: 'flows/s' });
  const cryptoFloorRedirected = await measure('crypto floor, redirected flow', { kind: 'crypto-floor', redirected: true }, settings.cryptoFloor, { concurrency, unit: 'flows/s' });
  const ceiling = await startHttpCeiling();
  try {
    const httpCeiling = await measure('HTTP ceiling', { kind: 'http-get', url: ceiling.url }, settings.httpCeiling, {
      concurrency, unit: 'requests/s', servers: [ceiling.process],
    });
    return { cryptoFloorHome, cryptoFloorRedirected, httpCeiling };
  } finally {
    await ceiling.process.stop();
  }
}
