import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Wallet } from '@domicile/device';
import { isDomicileError, maskCardNumber, type api } from '@domicile/protocol';
import { TEST_CARDS, renderResidencyReportHtml } from '@domicile/region';
import type { CliIo } from '../io/index.js';
import {
  freePorts,
  startLocalDeployment,
  type LocalDeployment,
} from '../deployment/local-deployment.js';
import { startWalletServer } from '../wallet-web/index.js';
import {
  addCard,
  pay,
  replay,
  reportLostWithRegionDown,
  showTransactions,
  suspendAndResume,
  testCard,
  type DemoScene,
} from './demo-story.js';
import { addPushedCard } from './demo-push-card.js';
import { demoData, demoWalletFile, formatDemoData, type DemoData } from './demo-data.js';
import { joinWatchAndAddCard, payWithWatch } from './demo-watch.js';
import { auditResidency, formatResidencyReport } from './residency-report.js';

export interface DemoOptions {
  readonly dir: string;
  readonly configFile: string;
  /** Where the story is narrated. */
  readonly io: Pick<CliIo, 'out'>;
  /**
   * Called once the regions have stopped, with where the data was left and the payments made;
   * without it, the same is narrated as the story's last lines.
   */
  readonly onData?: (data: DemoData) => void;
  /**
   * `demo --open`: after the story, keep the regions running with a browser wallet server beside
   * them (its origin allowed by every region), print the console and wallet URLs, and stop all of
   * it when `untilInterrupted` resolves (Ctrl-C).
   */
  readonly open?: { readonly untilInterrupted: () => Promise<void> };
}

const PASSPHRASE = 'demo wallet passphrase';

/** `--open`: the regions stay up with a wallet page beside them until the user stops the demo. */
async function keepOpen(
  deployment: LocalDeployment,
  walletPort: number,
  options: DemoOptions & { open: NonNullable<DemoOptions['open']> },
): Promise<void> {
  const { out } = options.io;
  const wallet = await startWalletServer({
    bootstrapUrl: deployment.baseUrl('us'),
    authorityKey: deployment.authorityKey,
    homeRegion: 'us',
    port: walletPort,
    ...(deployment.networkUrl === undefined ? {} : { routerUrl: deployment.networkUrl }),
  });
  try {
    out('[10] the regions keep running (Ctrl-C stops them)');
    for (const id of deployment.regions.keys())
      out(`    console of ${id}: ${deployment.baseUrl(id)}/console`);
    out(`    operator token (console sign-in): in ${deployment.operatorTokenFile}`);
    out(`    wallet in the browser: ${wallet.url}`);
    await options.open.untilInterrupted();
  } finally {
    await wallet.close();
  }
}

/** The story of DESIGN.md on three local regions; true when every step and the residency audit pass. */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { out } = options.io;
  let deployment: LocalDeployment | undefined;
  let transactions: api.TransactionView[] = [];
  let ok = false;
  try {
    out(
      'Domicile demo: three regions and a card network on loopback, one wallet, cards from three regions',
    );
    out(`  data folder: ${options.dir}`);
    const [walletPort = 0] = options.open === undefined ? [] : await freePorts(1);
    deployment = await startLocalDeployment({
      ...(options.open === undefined ? {} : { walletOrigins: [`http://127.0.0.1:${walletPort}`] }),
      dir: options.dir,
      configFile: options.configFile,
      tsmPollMs: 1_000,
      network: true,
      regionOutbox: { pollIntervalMs: 200, backoffMs: 200, maxBackoffMs: 1_000 },
    });
    out(
      `[1] directory authority: keys generated for ${deployment.config.regions.map((r) => r.id).join(', ')}; directory signed`,
    );
    for (const id of deployment.regions.keys())
      out(
        `    region ${id} listening on ${deployment.baseUrl(id)} (SQLite ${id}.db, log ${id}.log)`,
      );
    out(`    network router listening on ${deployment.networkUrl ?? '?'}`);

    const home = 'us';
    const wallet = await Wallet.create({
      path: demoWalletFile(options.dir),
      passphrase: PASSPHRASE,
      authorityKey: deployment.authorityKey,
      bootstrapUrl: deployment.baseUrl(home),
      homeRegion: home,
    });
    out(
      `[2] wallet created (home region ${home}); directory verified with the pinned authority key`,
    );
    const account = await wallet.register({
      name: 'Jane Doe',
      email: 'jane@example.com',
      model: 'demo-phone',
    });
    out(`[3] registered Jane Doe in ${account.region} (account ${account.accountId})`);
    const scene: DemoScene = { deployment, wallet, out };

    const homeCard = testCard('us', 'green');
    out(`[4] add a ${home} card ${maskCardNumber(homeCard.pan)} (${homeCard.network})`);
    const usToken = await addCard(scene, homeCard);
    const foreignCard = testCard('cn', 'yellow');
    out(
      `[5] add a cn card ${maskCardNumber(foreignCard.pan)} (${foreignCard.network}), whose data must stay in cn`,
    );
    const cnToken = await addCard(scene, foreignCard);
    const pushedCard = testCard('eu', 'yellow');
    out(
      `[6] the bank's app adds an eu card ${maskCardNumber(pushedCard.pan)} (${pushedCard.network}) with "Add to Wallet": nothing typed, no code`,
    );
    const euToken = await addPushedCard(scene, pushedCard);

    out(
      '[7] pay with the cards through the card network router (merchants never need to know regions)',
    );
    const first = await pay(scene, {
      tokenRef: usToken,
      amountMinor: 1250,
      currency: 'USD',
      country: 'US',
      channel: 'in_store',
      merchant: { id: 'corner-shop', name: 'Corner Shop' },
    });
    await pay(scene, {
      tokenRef: cnToken,
      amountMinor: 8800,
      currency: 'CNY',
      country: 'CN',
      channel: 'in_app',
      merchant: { id: 'tea-house', name: 'Tea House App' },
    });
    await pay(scene, {
      tokenRef: euToken,
      amountMinor: 4200,
      currency: 'EUR',
      country: 'DE',
      channel: 'in_store',
      merchant: { id: 'bakery', name: 'Bäckerei' },
    });
    await replay(scene, first.request);
    out('    transactions seen by the wallet, in the order they happened');
    transactions = await showTransactions(scene);

    out(`[8] the user suspends the ${home} card, then resumes it`);
    await suspendAndResume(scene, usToken);

    out('[8b] a watch joins the account, approved by the phone, and gets the cn card too');
    const watch = await joinWatchAndAddCard(scene, {
      dir: options.dir,
      passphrase: PASSPHRASE,
      card: foreignCard,
    });
    await payWithWatch(scene, watch.watch, watch.tokenRef);

    out('[9] the phone is lost, while region cn is down');
    await reportLostWithRegionDown(scene, 'cn');
    out("    the watch still pays: only the phone's tokens were suspended");
    await payWithWatch(scene, watch.watch, watch.tokenRef);

    out('[10] residency report');
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(
      deployment,
      TEST_CARDS.map((c) => c.pan),
      [wallet.path, watch.watch.path],
    );
    out(formatResidencyReport(report));
    for (const signed of report.reports) {
      const file = join(options.dir, `residency-${signed.report.region}`);
      await writeFile(`${file}.json`, `${JSON.stringify(signed, null, 2)}\n`);
      await writeFile(`${file}.html`, renderResidencyReportHtml(signed.report));
    }
    out(
      `    reports written to ${join(options.dir, 'residency-<region>.json')} (signed; check with domicile residency verify) and .html`,
    );
    if (!report.clean) {
      out('demo FAILED: the residency audit found problems');
      return false;
    }
    out('demo complete');
    ok = true;
    if (options.open !== undefined)
      await keepOpen(deployment, walletPort, { ...options, open: options.open });
    return true;
  } catch (error) {
    out(
      `demo FAILED: ${isDomicileError(error) ? `${error.code}: ${error.message} ${JSON.stringify(error.details ?? {})}` : error instanceof Error ? error.message : 'unknown error'}`,
    );
    return false;
  } finally {
    await deployment?.close();
    if (deployment !== undefined) {
      const data = demoData(
        deployment,
        { file: demoWalletFile(options.dir), passphrase: PASSPHRASE },
        { ok, transactions },
      );
      if (options.onData === undefined) for (const line of formatDemoData(data)) out(line);
      else options.onData(data);
    }
  }
}
