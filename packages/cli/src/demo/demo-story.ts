import type { Wallet } from '@domicile/device';
import { describeStep, sandboxIdvHooks } from '@domicile/device';
import { SupportClient } from '@domicile/clients';
import { sendAuthorization } from '@domicile/network';
import {
  DomicileError,
  formatAmount,
  isDomicileError,
  maskCardNumber,
  type api,
} from '@domicile/protocol';
import { TEST_CARDS, type TestCard } from '@domicile/region';
import { formatLostReport } from '../commands/format-lost-report.js';
import { decisionLine } from '../commands/network-commands.js';
import type { LocalDeployment } from '../deployment/local-deployment.js';

/** What each chapter of the demo needs: the deployment, the wallet and a way to print. */
export interface DemoScene {
  readonly deployment: LocalDeployment;
  readonly wallet: Wallet;
  readonly out: (line: string) => void;
}

export function testCard(region: string, outcome: TestCard['outcome']): TestCard {
  const card = TEST_CARDS.find((c) => c.region === region && c.outcome === outcome);
  if (card === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `no ${outcome} test card for ${region}` },
    });
  return card;
}

/** Adds a card as the user would: accepting the terms, reading the code from the sandbox outbox. */
export async function addCard(scene: DemoScene, card: TestCard): Promise<string> {
  const view = await scene.wallet.addCard(
    { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name },
    {
      acceptTerms: () => Promise.resolve(true),
      ...sandboxIdvHooks(),
      onStep: (e) => scene.out(`      ${describeStep(e)}`),
    },
    // Seconds when idle; the bound only ends a wait that is stuck, so a busy machine may take long.
    { activationTimeoutMs: 120_000 },
  );
  if (view.state !== 'active')
    throw new DomicileError('SCRIPT_NOT_READY', {
      details: { card: card.pan.slice(-4), state: view.state },
    });
  return view.tokenRef;
}

/** Pays through the network router, which finds the issuing region by token range. */
export async function pay(
  scene: DemoScene,
  options: {
    tokenRef: string;
    amountMinor: number;
    currency: string;
    country: string;
    channel: api.AuthorizationChannel;
    merchant: api.Merchant;
  },
): Promise<{ request: api.AuthorizationRequest; answer: api.AuthorizationResponse }> {
  const request = await scene.wallet.pay({ card: options.tokenRef, ...options });
  const answer = await sendAuthorization({ routerUrl: routerUrl(scene), request });
  scene.out(
    `      ${formatAmount(options.amountMinor, options.currency)} ${options.channel} → router → ${answer.region}: ${decisionLine(answer, options.merchant.name)}`,
  );
  return { request, answer };
}

export async function replay(scene: DemoScene, request: api.AuthorizationRequest): Promise<void> {
  const answer = await sendAuthorization({ routerUrl: routerUrl(scene), request });
  scene.out(
    `      the same request again → ${answer.approved ? 'approved (!)' : `declined: ${answer.reason}`}`,
  );
  if (answer.approved)
    throw new DomicileError('INTERNAL', {
      details: { reason: 'a replayed cryptogram was approved' },
    });
}

/** Prints the wallet's payments in the order they happened (the wallet lists newest first), and returns them so. */
export async function showTransactions(scene: DemoScene): Promise<api.TransactionView[]> {
  const transactions = (await scene.wallet.transactions()).sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.atc - b.atc,
  );
  for (const t of transactions) {
    scene.out(
      `      ${t.createdAt}  ${t.region.padEnd(3)} •••• ${t.last4}  ${formatAmount(t.amount.minor, t.amount.currency).padStart(12)}  ${t.merchant.name.padEnd(14)} ${t.approved ? 'approved' : `declined (${t.reason})`}`,
    );
  }
  return transactions;
}

/** The user suspends a card: the applet refuses to pay with it until it is resumed. */
export async function suspendAndResume(scene: DemoScene, tokenRef: string): Promise<void> {
  const suspended = await scene.wallet.suspendCard(tokenRef);
  scene.out(
    `      suspended ${maskCardNumber(suspended.last4)} in ${suspended.region}: ${suspended.state}`,
  );
  try {
    await scene.wallet.pay({ card: tokenRef, amountMinor: 500, currency: 'USD', country: 'US' });
    throw new DomicileError('INTERNAL', { details: { reason: 'a suspended card paid' } });
  } catch (error) {
    if (!isDomicileError(error, 'CREDENTIAL_NOT_ACTIVE')) throw error;
    scene.out(`      paying with it: refused by the secure element (${error.code})`);
  }
  const resumed = await scene.wallet.resumeCard(tokenRef);
  scene.out(`      resumed: ${resumed.state}`);
}

/**
 * The phone is lost while cn is down: the home region suspends its own tokens at once, queues
 * signed requests for the others, and cn gets its request when it is back.
 */
export async function reportLostWithRegionDown(scene: DemoScene, down: string): Promise<void> {
  const { deployment, wallet, out } = scene;
  const deviceId = wallet.account?.deviceId;
  if (deviceId === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
  await deployment.stopOne(down);
  out(`      region ${down} stopped`);
  const support = new SupportClient({
    baseUrl: deployment.baseUrl(wallet.homeRegion),
    operatorToken: deployment.operatorToken,
  });
  const report = await support.reportLost(deviceId);
  const until = async (done: (r: api.LostReportView) => boolean): Promise<api.LostReportView> => {
    let latest = await support.lostReport(report.reportId);
    for (let i = 0; i < 100 && !done(latest); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = await support.lostReport(report.reportId);
    }
    return latest;
  };
  // Let the home region try the stopped region at least once, so the report shows it failing.
  const failing = await until((r) => r.regions.some((x) => x.region === down && x.attempts > 0));
  for (const line of formatLostReport(failing)) out(`      ${line}`);
  await deployment.startOne(down);
  out(`      region ${down} back`);
  const latest = await until((r) => r.complete);
  for (const line of formatLostReport(latest)) out(`      ${line}`);
  if (!latest.complete)
    throw new DomicileError('REGION_REQUEST_UNDELIVERED', { details: { region: down } });
  for (const region of wallet.regions()) await wallet.syncNotifications(region);
  for (const c of wallet.cards())
    out(`      wallet: ${c.region} ${maskCardNumber(c.last4)} ${c.state}`);
}

function routerUrl(scene: DemoScene): string {
  if (scene.deployment.networkUrl === undefined)
    throw new DomicileError('CONFIG_INVALID', { details: { reason: 'no network router' } });
  return scene.deployment.networkUrl;
}
