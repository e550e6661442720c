import { startHttpCeiling } from '../baselines/http-ceiling-process.js';
import type { BenchSettings } from '../bench-options.js';
import type { Figure } from '../report.js';
import { measure } from './measure.js';

/**
 * The HTTP ceiling: a bare fastify route in its own process, under the same load generator as
 * the region endpoints. (The other baseline, the crypto floor, is measured in the provisioning
 * run, its rounds alternating with the flows it is the limit of: `region-scenarios.ts`.)
 */
export async function measureHttpCeiling(settings: BenchSettings): Promise<Figure> {
  const ceiling = await startHttpCeiling();
  try {
    return await measure(
      'HTTP ceiling',
      { kind: 'http-get', url: ceiling.url },
      settings.httpCeiling,
      {
        concurrency: settings.concurrency,
        unit: 'requests/s',
        servers: [ceiling.process],
      },
    );
  } finally {
    await ceiling.process.stop();
  }
}
