import { randomBytes, randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paths, readAuthorityPublicKey } from '@domicile/cli';
import { SupportClient } from '@domicile/clients';
import { Wallet, type AddCardHooks, type AppletView } from '@domicile/device';
import { sendAuthorization } from '@domicile/network';
import type { Kysely } from 'kysely';
import { generateKeyPairJwk, isDomicileError, type PublicJwk, type api } from '@domicile/protocol';
import { TEST_CARDS, openDatabase, operatorTokenHash, type Database } from '@domicile/region';
import { createBenchDeployment, type BenchDatabase } from '../bench-deployment.js';
import type { ServiceProcess } from '../service-process.js';
import { checkRegion, type CompletedCard } from './chaos-invariants.js';
import { deliveriesSettled, walletsSynced } from './chaos-settle.js';
import {
  checkOutbox,
  type AcknowledgedReport,
  type ObservedDevice,
} from './delivery-invariants.js';
import { startWebhookSink } from './webhook-sink.js';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** Where keys, the directory, SQLite files, wallets and logs go. */
  readonly dir: string;
  readonly database: BenchDatabase;
  /** How many region processes to SIGKILL (each restarted at once). */
  readonly kills: number;
  /** Devices provisioning and paying at the same time; default 3. */
  readonly devices?: number;
  /** Pause between kills, in milliseconds, drawn uniformly; default 300–1500. */
  readonly gapMs?: readonly [number, number];
  readonly log?: (line: string) => void;
}

/** What a chaos run did and which invariants broke. */
export interface ChaosReport {
  readonly database: BenchDatabase;
  readonly kills: number;
  /** Cards added to the end (home and redirected), and flows the SDK gave up on. */
  readonly completedCards: number;
  readonly failedFlows: number;
  readonly payments: number;
  /** Transmissions an acquirer repeated because it got no answer. */
  readonly resends: number;
  /** Token events the issuer's webhook endpoint received. */
  readonly webhooks: number;
  /** Push notifications the devices handled, in every region. */
  readonly notifications: number;
  /** Devices reported lost (acknowledged), and reports whose answer never came. */
  readonly lostReports: number;
  readonly failedReports: number;
  /** Region-to-region requests the reports queued, and the attempts their delivery took. */
  readonly outboxEvents: number;
  readonly outboxAttempts: number;
  readonly seconds: number;
  /** Each broken invariant, one sentence each; empty when every one held. */
  readonly violations: readonly string[];
}

const HOME = 'us';
const PASSPHRASE = 'chaos wallet passphrase';
/** An acquirer resends for this long before it gives up on a request. */
const RESEND_BUDGET_MS = 60_000;

const greenCard = (region: string) => {
  const card = TEST_CARDS.find((c) => c.region === region && c.outcome === 'green');
  if (card === undefined) throw new Error(`no green test card for ${region}`);
  return { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name };
};

// Green cards need no ID&V: a hook that is called is a bug in the run, not a crash to survive.
const refuse = (): Promise<never> => Promise.reject(new Error('a green card asked for ID&V'));
const HOOKS: AddCardHooks = {
  acceptTerms: () => Promise.resolve(true),
  chooseIdvMethod: refuse,
  readOtp: refuse,
};

/**
 * `npm run chaos` (issue 14): every region of `config/regions.yaml` and the network router run as
 * their own processes; devices register at the home region, add a home card and a card the home
 * region redirects, and pay with both through the router; every other device is then reported
 * lost by an operator, which suspends its tokens at home and, through the region outbox, in the
 * other region. All the while region processes are SIGKILLed at random moments and restarted.
 * Acquirers resend a request that got no answer with its `requestId`, as ISO 8583 acquirers do.
 * Then, once deliveries settled and every wallet read its notifications, every region's database
 * is held to the invariants of `chaos-invariants.ts` and `delivery-invariants.ts`.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const sink = await startWebhookSink();
  const operatorToken = randomBytes(32).toString('base64url');
  const issuers = join(options.dir, 'issuers.json');
  await writeFile(issuers, JSON.stringify(await issuersWithWebhooks(sink.url)));
  const deployment = await createBenchDeployment({
    dir: options.dir,
    database: options.database,
    regionArgs: ['--issuers', issuers, '--operator-token-hash', operatorTokenHash(operatorToken)],
  });
  const regions = new Map<string, ServiceProcess>();
  const cards: CompletedCard[] = [];
  const answers: api.AuthorizationResponse[] = [];
  const wallets: Wallet[] = [];
  const devices: ObservedDevice[] = [];
  const reports: AcknowledgedReport[] = [];
  let failedReports = 0;
  let failedFlows = 0;
  let resends = 0;
  let stopping = false;
  try {
    // The home region and the one it redirects to: the regions every flow and payment crosses.
    const listed = Object.keys(deployment.info.baseUrls);
    const regionIds = [HOME, listed.find((id) => id !== HOME) ?? HOME];
    for (const id of regionIds) regions.set(id, await deployment.startRegion(id));
    const [network, routerUrl] = Object.entries(deployment.networkUrls)[0] ?? [];
    if (network === undefined || routerUrl === undefined) throw new Error('no network router');
    const router = await deployment.startNetwork(network);
    const authorityKey = await readAuthorityPublicKey(paths.authorityPublic(options.dir));
    const redirected = regionIds[1] ?? HOME;
    const support = new SupportClient({
      baseUrl: deployment.info.baseUrls[HOME] ?? '',
      operatorToken,
    });

    const acquire = async (request: api.AuthorizationRequest): Promise<void> => {
      const deadline = Date.now() + RESEND_BUDGET_MS;
      for (;;) {
        try {
          answers.push(await sendAuthorization({ routerUrl, request, timeoutMs: 15_000 }));
          return;
        } catch (error) {
          const lost =
            isDomicileError(error, 'REGION_UNREACHABLE') ||
            isDomicileError(error, 'SERVICE_UNAVAILABLE');
          if (!lost || Date.now() > deadline) throw error;
          resends += 1;
          await sleep(200);
        }
      }
    };

    // An operator reports the device lost, repeating the report (same Idempotency-Key) while the
    // region is down or the first attempt is still held; its cards then end suspended everywhere.
    const reportLost = async (wallet: Wallet, added: CompletedCard[]): Promise<void> => {
      const deviceId = wallet.account?.deviceId;
      if (deviceId === undefined) throw new Error('a registered wallet has no account');
      const idempotencyKey = randomBytes(18).toString('base64url');
      for (const card of added) card.expected = 'either';
      const deadline = Date.now() + RESEND_BUDGET_MS;
      for (;;) {
        try {
          const report = await support.reportLost(deviceId, { idempotencyKey });
          reports.push({ home: HOME, reportId: report.reportId });
          for (const card of added) card.expected = 'suspended';
          return;
        } catch (error) {
          const cut =
            isDomicileError(error, 'SERVICE_UNAVAILABLE') ||
            isDomicileError(error, 'IDEMPOTENCY_IN_PROGRESS') ||
            isDomicileError(error, 'PEER_MALFORMED');
          if (!cut || Date.now() > deadline) {
            failedReports += 1;
            throw error;
          }
          await sleep(200);
        }
      }
    };

    const device = async (index: number): Promise<void> => {
      for (let flow = 0; !stopping; flow += 1) {
        try {
          await provisionAndPay({ index, flow, authorityKey, redirected });
        } catch (error) {
          failedFlows += 1;
          log(`device ${index} flow ${flow}: ${describe(error)}`);
        }
      }
    };

    const provisionAndPay = async (input: {
      index: number;
      flow: number;
      authorityKey: PublicJwk;
      redirected: string;
    }): Promise<void> => {
      const handled = new Map<string, number[]>();
      const wallet = await Wallet.create({
        path: join(options.dir, `chaos-${input.index}-${input.flow}.wallet`),
        passphrase: PASSPHRASE,
        authorityKey: input.authorityKey,
        bootstrapUrl: deployment.info.baseUrls[HOME] ?? '',
        homeRegion: HOME,
        onNotificationHandled: (h) =>
          handled.set(h.region, [...(handled.get(h.region) ?? []), h.notification.id]),
      });
      wallets.push(wallet);
      devices.push({ jkt: wallet.deviceJkt, handled });
      await wallet.register({ name: 'Chaos Tester', email: 'chaos@example.com' });
      const added: AppletView[] = [];
      const completed: CompletedCard[] = [];
      for (const region of [HOME, input.redirected]) {
        const card = await wallet.addCard(greenCard(region), HOOKS);
        const done: CompletedCard = {
          region: card.region,
          tokenRef: card.tokenRef,
          expected: 'active',
        };
        cards.push(done);
        completed.push(done);
        added.push(card);
      }
      for (const [n, card] of added.entries()) {
        const request = await wallet.pay({
          card: card.tokenRef,
          amountMinor: 100 + n,
          currency: card.region === HOME ? 'USD' : 'CNY',
          country: card.region === HOME ? 'US' : 'CN',
          merchant: { id: 'chaos-shop', name: 'Chaos Shop' },
        });
        await acquire({ ...request, requestId: `CHAOS:${input.index}:${input.flow}:${n}` });
      }
      // Every other device, from the first flows on: so even a short run reports some.
      if ((input.index + input.flow) % 2 === 0) await reportLost(wallet, completed);
    };

    const running = Array.from({ length: options.devices ?? 3 }, (_, i) => device(i));
    const [low, high] = options.gapMs ?? [300, 1_500];
    for (let kill = 1; kill <= options.kills; kill += 1) {
      await sleep(randomInt(low, high + 1));
      const id = regionIds[randomInt(regionIds.length)] ?? HOME;
      const victim = regions.get(id);
      if (victim === undefined) continue;
      process.kill(victim.pid, 'SIGKILL');
      await victim.stop();
      log(`kill ${kill}: region ${id}`);
      regions.set(id, await deployment.startRegion(id));
    }
    stopping = true;
    await Promise.all(running);
    await router.stop();

    const dbs = new Map<string, Kysely<Database>>();
    try {
      for (const id of regionIds) dbs.set(id, await openDatabase(deployment.databaseUrl(id)));
      await deliveriesSettled(dbs.values());
      const violations = await walletsSynced(wallets, dbs);
      const observed = { cards, answers, webhooks: sink.received, devices };
      for (const [id, db] of dbs) violations.push(...(await checkRegion(id, db, observed)));
      violations.push(...(await checkOutbox(dbs, reports)));
      const outbox = await outboxFigures(dbs.values());
      return {
        database: options.database,
        kills: options.kills,
        completedCards: cards.length,
        failedFlows,
        payments: answers.length,
        resends,
        webhooks: sink.received.size,
        notifications: devices.reduce(
          (sum, d) => sum + [...d.handled.values()].reduce((n, ids) => n + ids.length, 0),
          0,
        ),
        lostReports: reports.length,
        failedReports,
        ...outbox,
        seconds: (Date.now() - started) / 1000,
        violations,
      };
    } finally {
      for (const db of dbs.values()) await db.destroy();
    }
  } finally {
    stopping = true;
    await deployment.close();
    await sink.close();
  }
}

/** One issuer that owns every sandbox product and takes token events at the sink. */
async function issuersWithWebhooks(webhookUrl: string): Promise<unknown[]> {
  const productIds = [...new Set(TEST_CARDS.flatMap((c) => c.productId ?? []))];
  const { publicJwk } = await generateKeyPairJwk('sig');
  return [{ id: 'chaos-bank', publicKey: publicJwk, webhookUrl, productIds }];
}

/** How many region-to-region requests were queued, and how many attempts delivering them took. */
async function outboxFigures(
  dbs: Iterable<Kysely<Database>>,
): Promise<{ outboxEvents: number; outboxAttempts: number }> {
  let outboxEvents = 0;
  let outboxAttempts = 0;
  for (const db of dbs)
    for (const row of await db.selectFrom('region_outbox').select('attempts').execute()) {
      outboxEvents += 1;
      outboxAttempts += row.attempts;
    }
  return { outboxEvents, outboxAttempts };
}

function describe(error: unknown): string {
  if (isDomicileError(error)) return error.code;
  return error instanceof Error ? error.message : String(error);
}
