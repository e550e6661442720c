import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SandboxOutboxClient } from '@domicile/device';
import { freePorts, startWalletServer, type WalletServer } from '@domicile/cli';
import { launchChromium, screenshotPath } from './testing/browser.js';
import { startE2eDeployment, testCard } from './testing/e2e-deployment.js';

let deployment: Awaited<ReturnType<typeof startE2eDeployment>>;
let server: WalletServer;
let browser: Browser;
let page: Page;
const consoleLines: string[] = [];
/** Home us, card of cn: the home region redirects the wallet to cn, which asks for a one-time code (yellow). */
const card = testCard('cn', 'yellow');
const last4 = card.pan.slice(-4);

beforeAll(async () => {
  const [port = 0] = await freePorts(1);
  const origin = `http://127.0.0.1:${port}`;
  deployment = await startE2eDeployment({ network: true, walletOrigins: [origin] });
  server = await startWalletServer({
    bootstrapUrl: deployment.baseUrl('us'),
    authorityKey: deployment.authorityKey,
    homeRegion: 'us',
    port,
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
  page.on('console', (message) => consoleLines.push(message.text()));
  page.on('pageerror', (error) => consoleLines.push(String(error)));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await deployment?.cleanup();
});

async function shot(step: string): Promise<void> {
  await page.screenshot({ path: await screenshotPath(`wallet-${step}`), fullPage: true });
}

/** Whether the focused element is what a label names (a string: the type-check has no DOM). */
const FOCUSED = `(() => { const e = document.activeElement; return e ? (e.id || e.textContent) : null; })()`;

const UNLABELLED = `[...document.querySelectorAll('input, select, button, textarea')]
  .filter((e) => !e.closest('[hidden]'))
  .filter((e) => e.tagName === 'BUTTON' ? !(e.getAttribute('aria-label') || e.textContent.trim()) : e.labels.length === 0 && !e.getAttribute('aria-label'))
  .map((e) => e.id || e.outerHTML)`;

interface StoredKeys {
  signing: { extractable: boolean; export: string };
  encryption: { extractable: boolean; export: string };
  sealing: boolean;
  sealedBytes: string;
}

/** The wallet's IndexedDB records, read as another script of the page could read them. */
const STORED_KEYS = `(async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('domicile-wallet', 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const read = (key) => new Promise((resolve, reject) => {
    const get = db.transaction('wallet').objectStore('wallet').get(key);
    get.onsuccess = () => resolve(get.result);
    get.onerror = () => reject(get.error);
  });
  const keys = await read('keys');
  const sealed = await read('wallet');
  db.close();
  const exported = async (key) => crypto.subtle.exportKey('jwk', key).then(() => 'exported', () => 'refused');
  return {
    signing: { extractable: keys.signing.privateKey.extractable, export: await exported(keys.signing.privateKey) },
    encryption: { extractable: keys.encryption.privateKey.extractable, export: await exported(keys.encryption.privateKey) },
    sealing: keys.sealing.extractable,
    sealedBytes: new TextDecoder('latin1').decode(new Uint8Array(sealed.ciphertext)),
  };
})()`;

describe('the wallet in the browser (real Chromium, real regions and network router on loopback)', () => {
  it('sets up by keyboard: labelled controls, in tab order', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Set up this wallet' }).waitFor();
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(FOCUSED)).toBe('home-region');
    expect(await page.getByLabel('Home region').inputValue()).toBe('us');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(FOCUSED)).toBe('Create wallet');
    await shot('setup');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Register' }).waitFor();
  });

  it('keeps its device keys non-extractable in IndexedDB', async () => {
    const stored = await page.evaluate<StoredKeys>(STORED_KEYS);
    expect(stored.signing).toEqual({ extractable: false, export: 'refused' });
    expect(stored.encryption).toEqual({ extractable: false, export: 'refused' });
    expect(stored.sealing).toBe(false);
  });

  it('registers in the home region', async () => {
    await page.getByLabel('Your name').fill('Browser User');
    await page.getByLabel('E-mail').fill('browser@example.com');
    await shot('register');
    await page.getByLabel('E-mail').press('Enter');
    await page.getByRole('heading', { name: 'Your cards' }).waitFor();
    expect(await page.locator('#account').textContent()).toContain('in us');
  });

  it('adds a redirected card end to end: terms, the one-time code, card art, active', async () => {
    await page.getByLabel('Card number').fill(card.pan);
    await page.getByLabel('Expiry month (MM)').fill(String(card.expiry.month));
    await page.getByLabel('Expiry year (YYYY)').fill(String(card.expiry.year));
    await page.getByLabel('Security code').fill(card.cvv);
    await page.getByLabel('Name on card').fill(card.name);
    await page.getByRole('button', { name: 'Add card' }).click();
    // The form forgets the card at once: the number only travels inside the JWE to cn.
    expect(await page.getByLabel('Card number').inputValue()).toBe('');
    expect(await page.getByLabel('Security code').inputValue()).toBe('');

    await page.getByRole('button', { name: 'Accept terms' }).waitFor();
    await shot('terms');
    await page.getByRole('button', { name: 'Accept terms' }).click();

    const outbox = new SandboxOutboxClient({ baseUrl: deployment.baseUrl('cn') });
    const before = await outbox.latestId(last4);
    await page.getByRole('button', { name: 'Send code' }).click();
    const code = await outbox.waitForCode({ last4, after: before, timeoutMs: 15_000 });
    await page.getByLabel('One-time code').fill(code);
    await shot('code');
    await page.getByLabel('One-time code').press('Enter');

    await page.getByText(`Card •••• ${last4} added in cn: active.`).waitFor({ timeout: 60_000 });
    const steps = await page.locator('#steps li').allTextContents();
    expect(steps.join('\n')).toMatch(/us redirects to cn/);
    const art = page.getByAltText(`Card art of the ${card.network} card ending ${last4}`);
    await art.waitFor();
    expect(
      await art.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    await shot('card');
  }, 120_000);

  it('pays through the network router and shows the decision of cn', async () => {
    await page.getByLabel('Currency').fill('CNY');
    await page.getByLabel('Terminal country').fill('CN');
    await page.getByRole('button', { name: 'Pay' }).click();
    const decision = page.locator('#decision[data-approved]');
    await decision.waitFor();
    expect(await decision.getAttribute('data-approved')).toBe('true');
    expect(await decision.textContent()).toMatch(/^Approved by cn: /);
    await shot('paid');
    // The README's picture (docs/images/wallet.png): the card and the form, as a phone shows them.
    await page.getByRole('heading', { name: 'Your cards' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: await screenshotPath('wallet-overview') });
  }, 60_000);

  it('suspends the card (the applet then refuses to pay), resumes it and deletes it', async () => {
    await page.getByRole('button', { name: `Suspend the card ending ${last4}` }).click();
    await page.getByText(`card •••• ${last4}: suspended.`).waitFor();
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.getByText(/^CREDENTIAL_NOT_ACTIVE: /).waitFor();
    await shot('suspended');
    await page.getByRole('button', { name: `Resume the card ending ${last4}` }).click();
    await page.getByText(`card •••• ${last4}: resumed.`).waitFor();
    await page.getByRole('button', { name: `Delete the card ending ${last4}` }).click();
    await page.getByText(`card •••• ${last4}: deleted.`).waitFor();
    expect(await page.locator('#cards li').first().getAttribute('class')).toContain('card-deleted');
  }, 60_000);

  it('kept the card number nowhere: not in the page, not in IndexedDB in the clear, not in the console', async () => {
    expect(await page.content()).not.toContain(card.pan);
    const stored = await page.evaluate<StoredKeys>(STORED_KEYS);
    expect(stored.sealedBytes).not.toContain(card.pan);
    expect(consoleLines.join('\n')).not.toContain(card.pan);
    expect(consoleLines.filter((line) => /error/i.test(line))).toEqual([]);
  });

  it('serves its page with a policy that allows only itself and the directory regions', async () => {
    const res = await fetch(server.url);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain(deployment.baseUrl('cn'));
    expect(policy).not.toContain('*');
  });
});
