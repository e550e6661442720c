import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import {
  DomicileError,
  epochSeconds,
  verifyDirectory,
  definedProps,
  listenError,
  loadTlsFiles,
  needsTlsClient,
  tlsFetch,
  type Directory,
  type PublicJwk,
  type RegionEntry,
  type TlsMaterial,
} from '@domicile/protocol';
import type { RegionConfig } from './config/index.js';
import { DEFAULT_CONSOLE_SESSION_POLICY, consoleRoutes } from './console/index.js';
import { buildRegionApp, checkOperatorTokenHashes, durableFetch } from './http/index.js';
import { IdempotencyStore } from './idempotency/index.js';
import { openRegionKeyring, type RegionKeyring } from './keys/index.js';
import { HttpIssuerGateway, SandboxIssuer, type IssuerGateway } from './issuer/index.js';
import { Housekeeping } from './housekeeping.js';
import { checkKeysListed } from './keys/index.js';
import { TrustedIssuers } from './request-auth/index.js';
import { countStatement, createRegionLogger } from './logging/index.js';
import { RegionOutboxWorker, httpRegionQuery, httpRegionTransport } from './lost-device/index.js';
import { NodeLease } from './nodes/index.js';
import {
  LocalNotificationHub,
  PostgresNotificationHub,
  type NotificationHub,
} from './notifications/index.js';
import type { RegionContext } from './region-context.js';
import { openDatabase, retentionPolicy, type Database } from './storage/index.js';
import { productFromSession } from './sessions/index.js';
import { Tsm, TsmWorker } from './tsm/index.js';
import { AuditCheckpointWorker, DEFAULT_CHECKPOINT_POLICY } from './audit/index.js';
import { Vault } from './vault/index.js';
import { VaultRewrapWorker } from './vault-rewrap/index.js';
import { WebhookWorker } from './webhooks/index.js';

export interface Region {
  readonly app: FastifyInstance;
  readonly context: RegionContext;
  /** This process incarnation's lease, which holds its idempotency reservations. */
  readonly nodeLease: NodeLease;
  /** Writes out buffered log lines (before reading the log file). */
  flushLogs(): void;
  close(): Promise<void>;
}

export interface RunningRegion extends Region {
  /** The address it listens on (may differ from the directory's base URL behind a proxy). */
  readonly url: string;
}

/**
 * The composition root of a region: config → database → services → HTTP. Returns the app
 * without listening, for `inject()` tests; `startRegion` also listens.
 */
export async function createRegion(config: RegionConfig): Promise<Region> {
  const directory = await verifyDirectory(config.directoryJws, config.authorityKey);
  const self = directory.region(config.region);
  if (self === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `region ${config.region} is not in the directory` },
    });
  checkKeysListed(directory, config.keys, epochSeconds((config.now ?? (() => new Date()))()));
  // Checked before anything is opened: a bad issuer entry must not leave a database behind.
  const trustedIssuers = await TrustedIssuers.fromConfig(config.issuers);
  checkOperatorTokenHashes(config.operatorTokenHashes ?? []);
  retentionPolicy(config.retention);
  const tls = config.tls === undefined ? undefined : loadTlsFiles(config.tls);
  // Opened before the database: a wrong PIN or a missing key label fails here, at start.
  const keyring = await openRegionKeyring(config.keys, config.keyProvider);
  try {
    checkKeyringAgainstDirectory(keyring, self);
    return await assembleRegion(config, { directory, self, keyring, trustedIssuers, tls });
  } catch (error) {
    await keyring.close();
    throw error;
  }
}

/** What {@link createRegion} checked and opened before it builds the services. */
interface RegionFoundation {
  readonly directory: Directory;
  readonly self: RegionEntry;
  readonly keyring: RegionKeyring;
  readonly trustedIssuers: TrustedIssuers;
  readonly tls: TlsMaterial | undefined;
}

/**
 * The keys the region signs with are the ones the directory lists: an HSM key under the right
 * label but of another deployment would sign what no device accepts.
 */
function checkKeyringAgainstDirectory(keyring: RegionKeyring, self: RegionEntry): void {
  const same = (a: PublicJwk, b: Pick<PublicJwk, 'x' | 'y'> & { kid?: string }): boolean =>
    a.kid === b.kid && a.x === b.x && a.y === b.y;
  if (
    !self.keys.signing.some((key) => same(keyring.signing.publicJwk, key)) ||
    !self.keys.tsm.some((key) => same(keyring.tsm.publicJwk, key))
  )
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `the directory lists other keys for region ${self.id}` },
    });
}

async function assembleRegion(
  config: RegionConfig,
  { directory, self, keyring, trustedIssuers, tls }: RegionFoundation,
): Promise<Region> {
  const operatorTokenHashes = checkOperatorTokenHashes(config.operatorTokenHashes ?? []);
  const { logger, flush } = createRegionLogger({
    region: self.id,
    ...definedProps({ file: config.logFile, level: config.logLevel }),
  });
  const db = await openDatabase(config.databaseUrl, {
    createFolder: config.createDatabase ?? false,
    onStatement: countStatement,
  });
  // Calls to other regions, the issuer and webhooks: by the TLS fetch when there is a CA or
  // identity, each once what it may carry is durable.
  const peerFetch = durableFetch(
    db,
    tls !== undefined && needsTlsClient(tls) ? tlsFetch(tls) : undefined,
  );
  const hub: NotificationHub = /^postgres(ql)?:/.test(config.databaseUrl)
    ? new PostgresNotificationHub(config.databaseUrl)
    : new LocalNotificationHub();
  const issuer = createIssuer(config, db, keyring, peerFetch);
  const tsm = new Tsm({ region: self.id, signer: keyring.tsm });
  const tsmWorker = new TsmWorker({
    db,
    tsm,
    logger,
    pollIntervalMs: config.tsmPollMs ?? 5_000,
    productFor: productFromSession(db),
    onNotified: (deviceId) => hub.publish(deviceId),
  });
  const now = config.now ?? (() => new Date());
  const regionOutbox = new RegionOutboxWorker({
    transport: httpRegionTransport(peerFetch),
    ...config.regionOutbox,
    db,
    directory,
    self: self.id,
    signer: keyring.signing,
    logger,
    now,
  });
  const webhookWorker = new WebhookWorker({
    db,
    region: self.id,
    signer: keyring.signing,
    logger,
    now,
    urlFor: (issuerId) => trustedIssuers.byId(issuerId)?.webhookUrl,
    ...definedProps({
      fetch: peerFetch,
      retryBaseMs: config.webhooks?.retryBaseMs,
      retryMaxMs: config.webhooks?.retryMaxMs,
      timeoutMs: config.webhooks?.timeoutMs,
      pollIntervalMs: config.webhooks?.pollMs,
    }),
  });
  const vault = new Vault({
    keyProvider: keyring.keyProvider,
    panHashKey: Buffer.from(config.keys.secrets.panHashKey, 'base64url'),
  });
  // After a KEK rotation, moves the vault's records to the current KEK while the region serves.
  const vaultRewrap = new VaultRewrapWorker({ db, vault, logger });
  const nodeLease = await NodeLease.acquire({ db, logger, now });
  const closingSignal = new AbortController();
  const context: RegionContext = {
    self,
    directory,
    db,
    idempotency: new IdempotencyStore({ db, incarnation: nodeLease.incarnation, now }),
    keys: config.keys,
    keyring,
    vault,
    issuer,
    tsmWorker,
    hub,
    logger,
    now,
    streamHeartbeatMs: config.streamHeartbeatMs ?? 15_000,
    regionOutbox,
    regionQuery: config.regionQuery ?? httpRegionQuery(peerFetch),
    operatorTokenHashes,
    trustedIssuers,
    webhookWorker,
    closing: closingSignal.signal,
  };
  const app = await buildRegionApp(context, {
    sandbox: config.issuer.kind === 'sandbox',
    ...definedProps({ tls, rateLimits: config.rateLimits, walletOrigins: config.walletOrigins }),
    routes: [
      consoleRoutes(context, {
        secureCookie: tls !== undefined,
        sessions: config.consoleSessions ?? DEFAULT_CONSOLE_SESSION_POLICY,
      }),
    ],
  });
  nodeLease.start();
  tsmWorker.start();
  regionOutbox.start();
  webhookWorker.start();
  vaultRewrap.start();
  const housekeeping = new Housekeeping({
    db,
    logger,
    now,
    retention: retentionPolicy(config.retention),
  });
  housekeeping.start();
  const auditCheckpoints = new AuditCheckpointWorker({
    db,
    region: self.id,
    // The region's newest signing key, as for everything else it signs.
    signer: keyring.signing,
    policy: { ...DEFAULT_CHECKPOINT_POLICY, ...config.auditCheckpoints },
    logger,
    now,
  });
  auditCheckpoints.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closingSignal.abort();
      await nodeLease.leaveAddress();
      await app.close();
      // Fastify does not wait for handlers whose connections it closed; their reservations must.
      await context.idempotency.drain();
      await housekeeping.stop();
      await auditCheckpoints.stop();
      await auditCheckpoints
        .flush()
        .catch((error: unknown) => logger.warn({ err: error }, 'last audit checkpoint failed'));
      await tsmWorker.stop();
      await regionOutbox.stop();
      await webhookWorker.stop();
      await vaultRewrap.stop();
      await nodeLease.stop();
      await hub.close();
      await db.destroy();
      await keyring.close();
      flush();
    })();
    return closing;
  };
  return { app, context, nodeLease, close, flushLogs: flush };
}

export async function startRegion(config: RegionConfig): Promise<RunningRegion> {
  const region = await createRegion(config);
  const listed = new URL(region.context.self.baseUrl);
  const host = config.host ?? listed.hostname;
  const port = config.port ?? (listed.port === '' ? defaultPort(listed) : Number(listed.port));
  let claimed = (): void => undefined;
  region.context.idempotency.holdUntil(new Promise<void>((resolve) => (claimed = resolve)));
  try {
    const address = await region.app.listen({ host, port });
    await region.nodeLease.claimAddress(`${hostname()} ${address}`);
    claimed();
    region.app.log.info({ address }, 'region listening');
    return { ...region, url: address };
  } catch (error) {
    claimed();
    await region.close();
    throw listenError(error, host, port);
  }
}

/** The port a base URL without one means. */
function defaultPort(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}

function createIssuer(
  config: RegionConfig,
  db: Kysely<Database>,
  keyring: RegionKeyring,
  peerFetch: typeof fetch,
): IssuerGateway {
  if (config.issuer.kind === 'sandbox') return new SandboxIssuer({ region: config.region, db });
  return new HttpIssuerGateway({
    baseUrl: config.issuer.baseUrl,
    region: config.region,
    timeoutMs: config.issuer.timeoutMs,
    signer: keyring.signing,
    fetch: peerFetch,
  });
}
