import { startHttpCeiling } from '../baselines/http-ceiling-process.js';
import { startSignedCommitCeiling } from '../baselines/signed-commit-ceiling-process.js';
import type { BenchSettings } from '../bench-options.js';
import type { BenchReport, Figure } from '../report.js';
import { postgresServer } from '../postgres-server.js';
import { measure, measureInterleaved } from './measure.js';

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

/**
 * The signed-commit ceiling: one ES256 verification and one durable commit per request on the
 * run's database, in a process of its own, under the same load generator: what the region's
 * authorization endpoint is judged against.
 */
export async function measureSignedCommitCeiling(
  settings: BenchSettings,
  dir: string,
): Promise<Figure> {
  const ceiling = await startSignedCommitCeiling(settings.database, dir);
  try {
    return await measure(
      'signed-commit ceiling',
      { kind: 'signed-commit', url: ceiling.url, privateJwk: ceiling.privateJwk },
      settings.httpCeiling,
      {
        concurrency: settings.concurrency,
        unit: 'requests/s',
        servers: [ceiling.process, ...(settings.database === 'postgres' ? [postgresServer()] : [])],
      },
    );
  } finally {
    await ceiling.close();
  }
}

/**
 * The primitive floors of a home flow, a redirected flow and an authorization, in the load
 * generator's own process (`baselines/primitive-floor.ts` says what counts), their rounds
 * alternating: their CPU per operation is what the region's CPU per operation is judged against.
 */
export async function measurePrimitiveFloors(
  settings: BenchSettings,
): Promise<
  Pick<
    BenchReport['baselines'],
    'primitiveFloorHome' | 'primitiveFloorRedirected' | 'primitiveFloorAuthorization'
  >
> {
  const [home, redirected, authorization] = await measureInterleaved(
    (['home', 'redirected', 'authorization'] as const).map((operation) => ({
      label: `primitive floor, ${operation}`,
      workload: { kind: 'primitive-floor', operation },
    })),
    settings.provisioning,
    { concurrency: 1, unit: 'operations/s' },
  );
  if (home === undefined || redirected === undefined || authorization === undefined)
    throw new Error('the primitive floors gave no figure');
  return {
    primitiveFloorHome: home,
    primitiveFloorRedirected: redirected,
    primitiveFloorAuthorization: authorization,
  };
}
