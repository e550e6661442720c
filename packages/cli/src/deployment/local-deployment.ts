import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  DomicileError,
  type PublicJwk,
  type RegionsConfig,
  type TlsFiles,
  definedProps,
} from '@domicile/protocol';
import { startRegion, type RegionOutboxConfig, type RunningRegion } from '@domicile/region';
import type { TrustedIssuerConfig, WebhookDeliveryConfig } from '@domicile/region';
import { startNetworkRouter, type RunningNetworkRouter } from '@domicile/network';
import {
  generateKeys,
  paths,
  readAuthorityPublicKey,
  readRegionKeys,
  readRegionsConfig,
  signDeploymentDirectory,
} from './deployment-files.js';
import { readNetworkKey } from './deployment-files.js';
import { createOperatorToken } from './operator-token.js';
import { writeNewFile } from './write-new-file.js';
import {
  generateSandboxIssuers,
  trustedSandboxIssuer,
  type SandboxIssuerKey,
} from './sandbox-issuers.js';

export interface LocalDeploymentOptions {
  /** Where keys, the directory, databases and logs go. */
  readonly dir: string;
  readonly configFile: string;
  /** The database of each region; default a SQLite file per region in `dir`. */
  readonly databaseUrl?: (region: string) => string;
  /** Regions to leave stopped (a test can start one later with `startOne`). */
  readonly stopped?: readonly string[];
  readonly tsmPollMs?: number;
  /** Lost-device outbox timing of every region (tests shorten the backoff). */
  readonly regionOutbox?: RegionOutboxConfig;
  /** The issuers each region trusts; default its sandbox issuer alone, without a webhook URL (no webhooks). */
  readonly issuers?: (
    region: string,
    sandbox: TrustedIssuerConfig,
  ) => readonly TrustedIssuerConfig[];
  /** Issuer webhook timing of every region (tests shorten the backoff). */
  readonly webhooks?: WebhookDeliveryConfig;
  /** Also start the router of the config's first card network, beside the regions (`networkUrl`). */
  readonly network?: boolean;
  /**
   * Run every server over HTTPS with these files (one certificate for 127.0.0.1 serves them all,
   * and is their client certificate to each other); with `clientCaFile`, the regions demand it on
   * their server-to-server routes. The directory then lists `https://` base URLs.
   */
  readonly tls?: TlsFiles;
  /** Origins of browser wallet pages every region answers with CORS headers (`--wallet-origin`). */
  readonly walletOrigins?: readonly string[];
}

export interface LocalDeployment {
  readonly dir: string;
  readonly config: RegionsConfig;
  readonly directoryJws: string;
  readonly authorityKey: PublicJwk;
  readonly regions: ReadonlyMap<string, RunningRegion>;
  /** An operator token every region's support API accepts, also saved to `operatorTokenFile` (mode 0600). */
  readonly operatorToken: string;
  readonly operatorTokenFile: string;
  /** A region's sandbox issuer: its issuer API key, also in `keys/<region>.sandbox-issuer.json` (mode 0600). */
  sandboxIssuer(region: string): SandboxIssuerKey;
  /** The card network router's URL, when `network` was asked for: where acquirers send authorizations. */
  readonly networkUrl?: string;
  baseUrl(region: string): string;
  databaseUrl(region: string): string;
  logFile(region: string): string;
  startOne(region: string): Promise<RunningRegion>;
  stopOne(region: string): Promise<void>;
  close(): Promise<void>;
}

/** Asks the OS for free loopback ports, so several deployments (and test runs) never collide. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
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
export async function startLocalDeployment(
  options: LocalDeploymentOptions,
): Promise<LocalDeployment> {
  const config = await readRegionsConfig(options.configFile);
  await mkdir(options.dir, { recursive: true });
  const ports = await freePorts(config.regions.length + 1);
  const scheme = options.tls?.certFile === undefined ? 'http' : 'https';
  const baseUrls = new Map(
    config.regions.map((r, i) => [r.id, `${scheme}://127.0.0.1:${ports[i] ?? 0}`]),
  );
  const networkId = config.networks?.[0]?.id;
  if (options.network === true && networkId === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'the config lists no network' },
    });
  const networkBaseUrls = new Map(
    networkId === undefined
      ? []
      : [[networkId, `${scheme}://127.0.0.1:${ports[config.regions.length] ?? 0}`]],
  );
  // A local deployment starts over in its folder: `demo --data-dir` run twice replaces its keys.
  await generateKeys(options.dir, config, { force: true });
  const directoryJws = await signDeploymentDirectory(options.dir, config, {
    baseUrls,
    networkBaseUrls,
  });
  const authorityKey = await readAuthorityPublicKey(paths.authorityPublic(options.dir));
  const databaseUrl =
    options.databaseUrl ?? ((region: string) => `sqlite:${join(options.dir, `${region}.db`)}`);
  const logFile = (region: string): string => join(options.dir, `${region}.log`);
  const regions = new Map<string, RunningRegion>();
  const { token: operatorToken, hash: operatorTokenHash } = createOperatorToken();
  const operatorTokenFile = join(options.dir, 'keys', 'operator.token');
  await writeNewFile(operatorTokenFile, `${operatorToken}\n`, { mode: 0o600, force: true });
  const sandboxIssuers = await generateSandboxIssuers(options.dir, config);
  const issuersOf = (region: string): readonly TrustedIssuerConfig[] => {
    const sandbox = sandboxIssuers.get(region);
    const own = sandbox === undefined ? [] : [trustedSandboxIssuer(sandbox)];
    return options.issuers === undefined || own[0] === undefined
      ? own
      : options.issuers(region, own[0]);
  };

  const startOne = async (region: string): Promise<RunningRegion> => {
    const running = await startRegion({
      region,
      directoryJws,
      authorityKey,
      keys: await readRegionKeys(options.dir, region),
      databaseUrl: databaseUrl(region),
      issuer: { kind: 'sandbox' },
      logFile: logFile(region),
      ...definedProps({ tsmPollMs: options.tsmPollMs }),
      operatorTokenHashes: [operatorTokenHash],
      ...definedProps({ regionOutbox: options.regionOutbox }),
      issuers: issuersOf(region),
      ...definedProps({ webhooks: options.webhooks, tls: options.tls }),
      ...definedProps({ walletOrigins: options.walletOrigins }),
    });
    regions.set(region, running);
    return running;
  };
  const stopOne = async (region: string): Promise<void> => {
    await regions.get(region)?.close();
    regions.delete(region);
  };
  let router: RunningNetworkRouter | undefined;
  try {
    for (const r of config.regions)
      if (!(options.stopped ?? []).includes(r.id)) await startOne(r.id);
    if (options.network === true && networkId !== undefined) {
      router = await startNetworkRouter({
        directoryJws,
        authorityKey,
        network: networkId,
        signingKey: await readNetworkKey(options.dir, networkId),
        ...definedProps({ tls: routerTls(options.tls) }),
      });
    }
  } catch (error) {
    await Promise.all([...regions.keys()].map(stopOne));
    throw error;
  }
  return {
    dir: options.dir,
    config,
    directoryJws,
    authorityKey,
    regions,
    operatorToken,
    operatorTokenFile,
    sandboxIssuer: (region) => {
      const key = sandboxIssuers.get(region);
      if (key === undefined) throw new DomicileError('CONFIG_INVALID', { details: { region } });
      return key;
    },
    baseUrl: (region) => baseUrls.get(region) ?? '',
    databaseUrl,
    logFile,
    startOne,
    stopOne,
    ...definedProps({ networkUrl: router?.url }),
    close: async () => {
      await Promise.all([router?.close(), ...[...regions.keys()].map(stopOne)]);
    },
  };
}

/** The router serves acquirers, not regions: it takes the files but no client CA. */
function routerTls(tls: TlsFiles | undefined): Omit<TlsFiles, 'clientCaFile'> | undefined {
  return tls && definedProps({ certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile });
}
