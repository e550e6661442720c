import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { PublicJwk, RegionsConfig } from '@domicile/protocol';
import { startRegion, type RunningRegion } from '@domicile/region';
import {
  generateKeys, paths, readAuthorityPublicKey, readRegionKeys, readRegionsConfig, signDeploymentDirectory,
} from './deployment-files.js';

export interface LocalDeploymentOptions {
  /** Where keys, the directory, databases and logs go. */
  readonly dir: string;
  readonly configFile: string;
  /** The database of each region; default a SQLite file per region in `dir`. */
  readonly databaseUrl?: (region: string) => string;
  /** Regions to leave stopped (a test can start one later with `startOne`). */
  readonly stopped?: readonly string[];
  readonly tsmPollMs?: number;
}

export interface LocalDeployment {
  readonly dir: string;
  readonly config: RegionsConfig;
  readonly directoryJws: string;
  readonly authorityKey: PublicJwk;
  readonly regions: ReadonlyMap<string, RunningRegion>;
  baseUrl(region: string): string;
  databaseUrl(region: string): string;
  logFile(region: string): string;
  startOne(region: string): Promise<RunningRegion>;
  stopOne(region: string): Promise<void>;
  close(): Promise<void>;
}

/** Asks the OS for free loopback ports, so several deployments (and test runs) never collide. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/**
 * A whole deployment on this machine: fresh keys, a directory signed for free loopback ports,
 * and one region server per region, each with its own database and log file.
 */
export async function startLocalDeployment(options: LocalDeploymentOptions): Promise<LocalDeployment> {
  const config = await readRegionsConfig(options.configFile);
  await mkdir(options.dir, { recursive: true });
  const ports = await freePorts(config.regions.length);
  const baseUrls = new Map(config.regions.map((r, i) => [r.id, `http://127.0.0.1:${ports[i] ?? 0}`]));
  await generateKeys(options.dir, config);
  const directoryJws = await signDeploymentDirectory(options.dir, config, { baseUrls });
  const authorityKey = await readAuthorityPublicKey(paths.authorityPublic(options.dir));
  const databaseUrl = options.databaseUrl ?? ((region: string) => `sqlite:${join(options.dir, `${region}.db`)}`);
  const logFile = (region: string): string => join(options.dir, `${region}.log`);
  const regions = new Map<string, RunningRegion>();

  const startOne = async (region: string): Promise<RunningRegion> => {
    const running = await startRegion({
      region, directoryJws, authorityKey, keys: await readRegionKeys(options.dir, region),
      databaseUrl: databaseUrl(region), issuer: { kind: 'sandbox' }, logFile: logFile(region),
      ...(options.tsmPollMs === undefined ? {} : { tsmPollMs: options.tsmPollMs }),
    });
    regions.set(region, running);
    return running;
  };
  const stopOne = async (region: string): Promise<void> => {
    await regions.get(region)?.close();
    regions.delete(region);
  };
  try {
    for (const r of config.regions) if (!(options.stopped ?? []).includes(r.id)) await startOne(r.id);
  } catch (error) {
    await Promise.all([...regions.keys()].map(stopOne));
    throw error;
  }
  return {
    dir: options.dir, config, directoryJws, authorityKey, regions,
    baseUrl: (region) => baseUrls.get(region) ?? '',
    databaseUrl, logFile, startOne, stopOne,
    close: async () => { await Promise.all([...regions.keys()].map(stopOne)); },
  };
}
