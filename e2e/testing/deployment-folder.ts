import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, generateKeys, readRegionsConfig, signDeploymentDirectory } from '@domicile/cli';
import { CONFIG_FILE } from './e2e-deployment.js';

/**
 * A new deployment folder in the temp folder (keys, and a directory signed with a free loopback
 * port for each region), for tests that start `domicile region serve` processes on it.
 */
export async function createDeploymentFolder(
  prefix: string,
): Promise<{ dir: string; baseUrl: (region: string) => string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const config = await readRegionsConfig(CONFIG_FILE);
  const ports = await freePorts(config.regions.length);
  const baseUrls = new Map(
    config.regions.map((r, i) => [r.id, `http://127.0.0.1:${ports[i] ?? 0}`]),
  );
  await generateKeys(dir, config);
  await signDeploymentDirectory(dir, config, { baseUrls, networkBaseUrls: new Map() });
  return { dir, baseUrl: (region) => baseUrls.get(region) ?? '' };
}
