import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  RegionClient,
  SecureElement,
  checkRedirect,
  directoryKey,
  parseCardInput,
} from '@domicile/device';
import {
  DomicileError,
  TYP,
  encryptJson,
  last4Of,
  routingPrefixOf,
  verifyDirectory,
  type Directory,
  type api,
} from '@domicile/protocol';
import { TEST_CARDS, type TestCard } from '@domicile/region';
import { readAuthorityPublicKey, paths } from '@domicile/cli';
import { benchFetch } from '../http-client.js';
import type { DeploymentInfo } from '../load-job.js';
import { forEachConcurrently, type Workload } from './workload.js';

/** How long a flow waits for the TSM's notification before it counts as failed. */
const NOTIFICATION_TIMEOUT_MS = 30_000;
const REGISTRATION_CONCURRENCY = 8;

interface BenchDevice {
  readonly se: SecureElement;
  readonly home: RegionClient;
}

/**
 * One complete provisioning flow per operation, as a wallet does it over HTTP: the provisioning
 * message to the home region (and, for a foreign card, the checked redirect and the same message
 * to the owning region), eligibility, terms, card details as a JWE to the owner's directory key,
 * tokenization, the provisioning data opened and verified in the secure element, and both push
 * notifications (`credential.provisioned`, `tsm.script.ready`) read back with
 * `GET /v1/notifications`. Each flow uses a fresh device registered during `prepare`: the same
 * card on the same device is refused by design.
 */
export class ProvisioningWorkload implements Workload {
  readonly #deployment: DeploymentInfo;
  readonly #homeId: string;
  readonly #cards: readonly TestCard[];
  #directory: Directory | undefined;
  #devices: BenchDevice[] = [];

  constructor(options: { deployment: DeploymentInfo; home: string; cardRegion: string }) {
    this.#deployment = options.deployment;
    this.#homeId = options.home;
    this.#cards = TEST_CARDS.filter(
      (c) => c.region === options.cardRegion && c.outcome === 'green',
    );
    if (this.#cards.length === 0) throw new Error(`no green test card in ${options.cardRegion}`);
  }

  async prepare(operations: number): Promise<void> {
    const authorityKey = await readAuthorityPublicKey(paths.authorityPublic(this.#deployment.dir));
    this.#directory = await verifyDirectory(this.#deployment.directoryJws, authorityKey);
    const home = this.#directory.region(this.#homeId);
    if (home === undefined) throw new Error(`region ${this.#homeId} is not in the directory`);
    this.#devices = new Array<BenchDevice>(operations);
    await forEachConcurrently(
      Array.from({ length: operations }, (_, i) => i),
      REGISTRATION_CONCURRENCY,
      async (i) => {
        const se = await SecureElement.create();
        const client = this.#client(home.id, home.baseUrl, se);
        await client.registerAccount({
          name: `Bench User ${i}`,
          email: `bench-${i}@example.test`,
          device: { encryptionKey: se.encryptionPublicKey },
        });
        this.#devices[i] = { se, home: client };
      },
    );
  }

  async run(index: number): Promise<void> {
    const device = this.#devices[index];
    const directory = this.#directory;
    if (device === undefined || directory === undefined)
      throw new Error('operation without a prepared device');
    const card = this.#cards[index % this.#cards.length] as TestCard;
    const { details, network } = parseCardInput({
      pan: card.pan,
      expiry: card.expiry,
      cvv: card.cvv,
      name: card.name,
    });
    const message: api.ProvisioningMessage = {
      routingPrefix: routingPrefixOf(details.pan),
      last4: last4Of(details.pan),
      network,
      device: { encryptionKey: device.se.encryptionPublicKey },
    };
    let client = device.home;
    let answer = await client.sendProvisioningMessage(message);
    if (answer.outcome === 'redirect') {
      const target = await checkRedirect({
        directory,
        homeRegion: this.#homeId,
        message,
        deviceJkt: device.se.deviceJkt,
        redirect: answer.redirect,
      });
      client = this.#client(target.id, target.baseUrl, device.se);
      answer = await client.sendProvisioningMessage({
        ...message,
        redirectAssertion: answer.redirect.assertion,
      });
    }
    if (answer.outcome !== 'session')
      throw new DomicileError('INTERNAL', { details: { reason: 'no session' } });
    const sessionId = answer.session.id;
    const eligibility = await client.checkEligibility(sessionId);
    const terms = eligibility.terms;
    if (
      terms === undefined ||
      createHash('sha256').update(terms.text, 'utf8').digest('base64url') !== terms.hash
    ) {
      throw new DomicileError('TERMS_MISMATCH');
    }
    await client.acceptTerms(sessionId, { termsId: terms.id, hash: terms.hash, accepted: true });
    const cardDetails = await encryptJson(
      details,
      directoryKey(directory, client.region, 'encryption'),
      TYP.cardDetails,
    );
    const session = (await client.sendCardDetails(sessionId, { cardDetails })).session;
    if (session.state !== 'ready')
      throw new DomicileError('SESSION_STATE', { details: { state: session.state } });
    const tokenized = await client.tokenize(sessionId);
    await device.se.installCredential(
      tokenized.provisioningData,
      directoryKey(directory, client.region, 'signing'),
      {
        region: client.region,
        sessionId,
        tokenRef: tokenized.credential.tokenRef,
        last4: message.last4,
        network,
      },
    );
    await waitForNotifications(client, tokenized.credential.tokenRef);
  }

  close(): Promise<void> {
    this.#devices = [];
    return Promise.resolve();
  }

  #client(region: string, baseUrl: string, se: SecureElement): RegionClient {
    // No retries: a failed request is a failed flow, counted, never hidden by a second attempt.
    return new RegionClient({
      region,
      baseUrl,
      signer: se,
      retry: { attempts: 1 },
      fetch: benchFetch,
    });
  }
}

/** Polls the device's notifications until both of the token's have been written. */
async function waitForNotifications(client: RegionClient, tokenRef: string): Promise<void> {
  const deadline = performance.now() + NOTIFICATION_TIMEOUT_MS;
  let delayMs = 2;
  for (;;) {
    const seen = new Set(
      (await client.notifications(0))
        .filter((n) => n.data.tokenRef === tokenRef)
        .map((n) => n.data.type),
    );
    if (seen.has('credential.provisioned') && seen.has('tsm.script.ready')) return;
    if (performance.now() > deadline) throw new DomicileError('SCRIPT_NOT_READY');
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 25);
  }
}
