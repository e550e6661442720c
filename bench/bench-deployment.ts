import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, generateKeys, readRegionsConfig, signDeploymentDirectory } from '@domicile/cli';
import { definedProps, type PrefixRange } from '@domicile/protocol';
import type { Pkcs11TokenOptions, SeedResult } from '@domicile/region';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@domicile/region/testing';
import type { DeploymentInfo } from './load-job.js';
import { postgresServer } from './postgres-server.js';
import { startService, type ServiceProcess } from './service-process.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/domicile.js', import.meta.url));
const CONFIG_FILE = fileURLToPath(new URL('../config/regions.yaml', import.meta.url));

/**
 * The bench measures throughput: its clients are many devices behind one loopback address, and
 * each of them makes far more requests than any real device, so the servers' limits are off.
 */
const NO_RATE_LIMITS = ['--rate-limit-per-address', '0'];

/**
 * Node options of a region process, as `deploy/systemd/domicile-region@.service` sets them
 * (`NODE_OPTIONS`), so the bench measures the region as it is deployed. V8 grows a busy server's
 * young generation whenever enough objects survived its scavenges, up to 2 × 64 MiB on 64-bit
 * Node 24 (no pointer compression): a region that provisioned and authorized for a few minutes
 * held 128 MiB of it, the largest part of the 290–330 MiB peaks the bench measured (old space
 * 35–55 MiB, code 15, native 55, the mapped binary 57). `bench/scale-only.ts`, 1,000 tokens,
 * provisioning then authorization, rounds interleaved: peak 290 MiB by default, 237 with 2 × 32 MiB,
 * 212 with 2 × 16 MiB, whose scavenges are more frequent but smaller (510 against 286, 662 ms
 * against 523 ms of pauses over the run: about 1% of its CPU); CPU per authorization 0.93 ms
 * against 0.98, within the noise.
 */
export const REGION_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=16'];

/** Which database the regions under test use. */
export type BenchDatabase = 'sqlite' | 'postgres';

export interface BenchDeploymentOptions {
  /** Where keys, the directory, SQLite files and logs go. */
  readonly dir: string;
  readonly database: BenchDatabase;
  /** Write a V8 CPU profile of every region process into this folder (`--cpu-prof`). */
  readonly profileDir?: string;
  /** Node options of every region process, before the CLI; default {@link REGION_NODE_OPTIONS}. */
  readonly regionNodeArgs?: readonly string[];
  /** More `region serve` arguments for every region process (`--issuers FILE`, …). */
  readonly regionArgs?: readonly string[];
  /**
   * Make every region's signing key, TSM key and vault KEK in this PKCS#11 token
   * (`keys generate --hsm`), and start and seed the regions with `--key-provider pkcs11`.
   */
  readonly hsm?: Pkcs11TokenOptions;
  /** How long a process may take to print its listening line (default 60 s). */
  readonly readyTimeoutMs?: number;
  /**
   * Keep the keys already in `dir` (from an earlier deployment there) instead of generating new
   * ones: a database seeded under those keys (its vault records, PAN hashes) stays usable.
   */
  readonly reuseKeys?: boolean;
}

/**
 * The deployment under test: fresh keys, the directory of `config/regions.yaml` signed for free
 * loopback ports, and each region started as its own `domicile region serve` process with its own
 * database (a SQLite file, or a fresh PostgreSQL database dropped at the end).
 */
export interface BenchDeployment {
  readonly info: DeploymentInfo;
  /** Each network's router URL, as the directory lists it. */
  readonly networkUrls: Readonly<Record<string, string>>;
  /** The database server's processes, measured beside the regions (none for SQLite). */
  readonly databaseServers: readonly ServiceProcess[];
  tokenRanges(region: string): readonly PrefixRange[];
  databaseUrl(region: string): string;
  /** Starts a region server process (stop it with `stop`). */
  startRegion(region: string): Promise<ServiceProcess>;
  /** Starts a network's router process (`domicile network serve`). */
  startNetwork(network: string): Promise<ServiceProcess>;
  /** Adds `tokens` seeded tokens from index `first` to a stopped region (`domicile region seed`). */
  seed(region: string, tokens: number, first: number): Promise<SeedResult>;
  close(): Promise<void>;
}

export async function createBenchDeployment(
  options: BenchDeploymentOptions,
): Promise<BenchDeployment> {
  const config = await readRegionsConfig(CONFIG_FILE);
  const networks = config.networks ?? [];
  const ports = await freePorts(config.regions.length + networks.length);
  const baseUrls = Object.fromEntries(
    config.regions.map((r, i) => [r.id, `http://127.0.0.1:${ports[i] ?? 0}`]),
  );
  const networkUrls = Object.fromEntries(
    networks.map((n, i) => [n.id, `http://127.0.0.1:${ports[config.regions.length + i] ?? 0}`]),
  );
  if (!(options.reuseKeys === true && (await keysExist(options.dir))))
    await generateKeys(options.dir, config, options.hsm === undefined ? {} : { hsm: options.hsm });
  const keyArgs = options.hsm === undefined ? [] : keyProviderArgs(options.hsm);
  const directoryJws = await signDeploymentDirectory(options.dir, config, {
    baseUrls: new Map(Object.entries(baseUrls)),
    networkBaseUrls: new Map(Object.entries(networkUrls)),
  });
  const postgres = new Map<string, TestPostgresDatabase>();
  if (options.database === 'postgres') {
    for (const r of config.regions)
      postgres.set(r.id, await createTestPostgresDatabase(`bench_${r.id}`));
  }
  const running = new Set<ServiceProcess>();
  // Reads the CPU time of this deployment's databases every second until `close`.
  const databaseServers =
    options.database === 'postgres'
      ? [postgresServer([...postgres.values()].map((db) => databaseName(db.connectionString)))]
      : [];
  const databaseUrl = (region: string): string =>
    postgres.get(region)?.connectionString ?? `sqlite:${join(options.dir, `${region}.db`)}`;
  // A folder per process: each one writes a profile file (a tsx loader thread, one more).
  const profile = (name: string): string[] =>
    options.profileDir === undefined
      ? []
      : ['--cpu-prof', '--cpu-prof-dir', join(options.profileDir, `${name}-${Date.now()}`)];

  const start = async (
    name: string,
    args: readonly string[],
    ready: RegExp,
    nodeArgs: readonly string[] = [],
  ): Promise<ServiceProcess> => {
    const service = await startService({
      name,
      args: [...nodeArgs, ...profile(name.replace(/\s+/g, '-')), CLI, ...args],
      ready,
      ...definedProps({ timeoutMs: options.readyTimeoutMs }),
    });
    running.add(service);
    return {
      ...service,
      stop: async (graceMs) => {
        running.delete(service);
        await service.stop(graceMs);
      },
    };
  };

  return {
    info: { dir: options.dir, directoryJws, baseUrls },
    networkUrls,
    databaseServers,
    tokenRanges: (region) => config.regions.find((r) => r.id === region)?.tokenRanges ?? [],
    databaseUrl,
    startRegion: (region) =>
      start(
        `region ${region}`,
        [
          'region',
          'serve',
          '--region',
          region,
          '--dir',
          options.dir,
          '--db',
          databaseUrl(region),
          '--log-file',
          join(options.dir, `${region}.log`),
          ...NO_RATE_LIMITS,
          '--rate-limit-per-device',
          '0',
          ...keyArgs,
          ...(options.regionArgs ?? []),
        ],
        /^region \S+ listening on /,
        options.regionNodeArgs ?? REGION_NODE_OPTIONS,
      ),
    startNetwork: (network) =>
      start(
        `network ${network}`,
        ['network', 'serve', '--network', network, '--dir', options.dir, ...NO_RATE_LIMITS],
        /^network \S+ router listening on /,
      ),
    seed: async (region, tokens, first) =>
      JSON.parse(
        await runCli([
          'region',
          'seed',
          '--region',
          region,
          '--dir',
          options.dir,
          '--db',
          databaseUrl(region),
          '--tokens',
          String(tokens),
          '--first',
          String(first),
          '--json',
          ...keyArgs,
        ]),
      ) as SeedResult,
    close: async () => {
      await Promise.all([...running, ...databaseServers].map((s) => s.stop()));
      for (const db of postgres.values()) await db.drop();
    },
  };
}

/** The `region serve` and `region seed` options of a region whose keys are in a PKCS#11 token. */
export function keyProviderArgs(hsm: Pkcs11TokenOptions): string[] {
  const token =
    'label' in hsm.token
      ? ['--pkcs11-token-label', hsm.token.label]
      : ['--pkcs11-slot', String(hsm.token.slot)];
  return [
    ...['--key-provider', 'pkcs11', '--pkcs11-module', hsm.module],
    ...token,
    ...['--pkcs11-pin-file', hsm.pinFile],
  ];
}

async function keysExist(dir: string): Promise<boolean> {
  return access(join(dir, 'keys', 'authority.private.jwk.json')).then(
    () => true,
    () => false,
  );
}

/** Runs a `domicile` command to completion; rejects with its stderr when it fails. */
function runCli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `domicile ${args.slice(0, 2).join(' ')} exited with ${String(code)}: ${err.trim()}`,
          ),
        );
    });
  });
}

function databaseName(connectionString: string): string {
  return decodeURIComponent(new URL(connectionString).pathname.slice(1));
}
