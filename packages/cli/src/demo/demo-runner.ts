import { join } from 'node:path';
import { isDomicileError, maskCardNumber, type api } from '@domicile/protocol';
import { Wallet, sandboxIdvHooks, type ProvisioningStep } from '@domicile/device';
import { TEST_CARDS, type TestCard } from '@domicile/region';
import { startLocalDeployment, type LocalDeployment } from '../deployment/local-deployment.js';
import { auditResidency, formatResidencyReport } from './residency-report.js';

export interface DemoOptions {
  readonly dir: string;
  readonly configFile: string;
  readonly out: (line: string) => void;
}

const PASSPHRASE = 'demo wallet passphrase';

function testCard(region: string, outcome: TestCard['outcome']): TestCard {
  const card = TEST_CARDS.find((c) => c.region === region && c.outcome === outcome);
  if (card === undefined) throw new Error(`no ${outcome} test card for ${region}`);
  return card;
}

/** Narrates one provisioning step; nothing here ever prints more than the last 4 digits. */
function narrate(out: (line: string) => void, event: ProvisioningStep): void {
  const say = (text: string): void => out(`      ${text}`);
  switch (event.step) {
    case 'message': say(`provisioning message → ${event.region}: prefix ${event.routingPrefix}, card ${maskCardNumber(event.last4)}, ${event.network}`); break;
    case 'redirect': say(`${event.from} redirects to ${event.to} (${event.baseUrl}) with a signed assertion; the directory lists it: following`); break;
    case 'session': say(`${event.region} opened provisioning session ${event.sessionId}`); break;
    case 'eligibility': say(`eligibility: issuer decision ${event.decision ?? 'none'}`); break;
    case 'terms': say(`terms ${event.termsId} ${event.accepted ? 'accepted' : 'declined'}`); break;
    case 'card-details': say(`card details sent as a JWE to ${event.region}'s encryption key (kid ${event.encryptedTo.slice(0, 12)}…)`); break;
    case 'idv': say(`ID&V: one-time code sent by ${event.kind} to ${event.target}`); break;
    case 'idv-retry': say(`ID&V: wrong code, ${String(event.triesLeft)} tries left`); break;
    case 'idv-verified': say('ID&V: code verified'); break;
    case 'tokenized': say(`tokenized in ${event.region}: token ${maskCardNumber(event.tokenLast4)}, provisioning data decrypted and its signature verified`); break;
    case 'waiting': say('waiting for push notifications'); break;
    case 'card-art': say(`push credential.provisioned → card art fetched (${event.bytes} bytes, hash checked)`); break;
    case 'script': say(`push tsm.script.ready → personalization script ${event.scriptId} verified with the TSM key, stored in the applet`); break;
    case 'active': say('applet active: the card is provisioned'); break;
    case 'activation-pending': say('activation still pending'); break;
  }
}

async function addCard(wallet: Wallet, card: TestCard, out: (line: string) => void): Promise<void> {
  const terms = async (t: api.TermsView): Promise<boolean> => { out(`      terms: "${t.text.split('\n')[0] ?? ''}"`); return Promise.resolve(true); };
  const view = await wallet.addCard(
    { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name },
    { acceptTerms: terms, ...sandboxIdvHooks(), onStep: (e) => narrate(out, e) },
    { activationTimeoutMs: 20_000 },
  );
  if (view.state !== 'active') throw new Error(`card ${maskCardNumber(card.pan)} ended ${view.state}`);
}

/** The story of DESIGN.md on three local regions; true when every step and the residency audit pass. */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { out } = options;
  let deployment: LocalDeployment | undefined;
  try {
    out('Domicile demo: three regions on loopback, one wallet, two cards from two regions');
    out(`  data folder: ${options.dir}`);
    deployment = await startLocalDeployment({ dir: options.dir, configFile: options.configFile, tsmPollMs: 1_000 });
    out(`[1] directory authority: keys generated for ${deployment.config.regions.map((r) => r.id).join(', ')}; directory signed`);
    for (const id of deployment.regions.keys()) out(`    region ${id} listening on ${deployment.baseUrl(id)} (SQLite ${id}.db, log ${id}.log)`);

    const home = 'us';
    const wallet = await Wallet.create({
      path: join(options.dir, 'wallet.json'), passphrase: PASSPHRASE, authorityKey: deployment.authorityKey,
      bootstrapUrl: deployment.baseUrl(home), homeRegion: home,
    });
    out(`[2] wallet created (home region ${home}); directory verified with the pinned authority key`);
    const account = await wallet.register({ name: 'Jane Doe', email: 'jane@example.com', model: 'demo-phone' });
    out(`[3] registered Jane Doe in ${account.region} (account ${account.accountId})`);

    const homeCard = testCard('us', 'green');
    out(`[4] add a ${home} card ${maskCardNumber(homeCard.pan)} (${homeCard.network})`);
    await addCard(wallet, homeCard, out);

    const foreignCard = testCard('cn', 'yellow');
    out(`[5] add a cn card ${maskCardNumber(foreignCard.pan)} (${foreignCard.network}), whose data must stay in cn`);
    await addCard(wallet, foreignCard, out);

    out('[6] cards in the wallet');
    for (const c of wallet.cards()) {
      out(`      ${c.region.padEnd(3)} card ${maskCardNumber(c.last4)}  token ${maskCardNumber(c.tokenLast4)}  ${c.network.padEnd(10)} ${c.state}`);
    }

    out('[7] residency report');
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(deployment, TEST_CARDS.map((c) => c.pan), [wallet.path]);
    out(formatResidencyReport(report));
    if (report.findings.length > 0) {
      out('demo FAILED: card numbers found in clear');
      return false;
    }
    out('demo complete');
    return true;
  } catch (error) {
    out(`demo FAILED: ${isDomicileError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : 'unknown error'}`);
    return false;
  } finally {
    await deployment?.close();
  }
}
