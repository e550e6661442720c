import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPostgresDatabase } from '@domicile/region/testing';
import type { BenchDatabase } from '../bench-deployment.js';
import { startService, type ServiceProcess } from '../service-process.js';

const SERVER = fileURLToPath(new URL('./signed-commit-ceiling.ts', import.meta.url));

export interface SignedCommitCeiling {
  readonly process: ServiceProcess;
  readonly url: string;
  /** The key the load generator signs with; the server holds its public half. */
  readonly privateJwk: JsonWebKey;
  /** Stops the server and drops its PostgreSQL database (a SQLite file stays in `dir`). */
  close(): Promise<void>;
}

/** Starts the signed-commit ceiling on `database` (a file in `dir`, or a fresh PostgreSQL database). */
export async function startSignedCommitCeiling(
  database: BenchDatabase,
  dir: string,
): Promise<SignedCommitCeiling> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const postgres =
    database === 'postgres' ? await createTestPostgresDatabase('bench_ceiling') : undefined;
  const target =
    postgres === undefined
      ? ['--sqlite', join(dir, 'signed-commit-ceiling.db')]
      : ['--postgres', postgres.connectionString];
  const service = await startService({
    name: 'ceiling',
    args: ['--import', 'tsx', SERVER, ...target],
    ready: /^signed-commit ceiling listening on /,
    env: {
      ...process.env,
      DOMICILE_CEILING_JWK: JSON.stringify(publicKey.export({ format: 'jwk' })),
    },
  }).catch(async (error: unknown) => {
    await postgres?.drop();
    throw error;
  });
  const base = service.readyLine.replace(/^signed-commit ceiling listening on /, '').trim();
  return {
    process: service,
    url: `${base}/commit`,
    privateJwk: privateKey.export({ format: 'jwk' }),
    close: async () => {
      await service.stop();
      await postgres?.drop();
    },
  };
}
