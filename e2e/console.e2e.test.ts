import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Wallet } from '@domicile/device';
import type { LocalDeployment } from '@domicile/cli';
import { launchChromium, screenshotPath } from './testing/browser.js';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

/*
 * The operator console in a real Chromium against real regions on loopback: one deployment, one
 * provisioning run (a home card at us, a redirected card at cn with a one-time code), then the
 * console of each region read like an operator reads it. The page has no script: every check is
 * on what the server rendered.
 */

let deployment: LocalDeployment & { cleanup(): Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let wallet: Wallet;
const tokenRefs = { us: '', cn: '' };

const consoleUrl = (region: string, path = '') => `${deployment.baseUrl(region)}/console${path}`;
const db = (region: string) => {
  const running = deployment.regions.get(region);
  if (running === undefined) throw new Error(`region ${region} is not running`);
  return running.context.db;
};
const shot = async (name: string) => {
  await page.screenshot({ path: await screenshotPath(`console-${name}`), fullPage: true });
};
/** The cells of a table named by its caption, row by row, as the page shows them. */
const tableRows = async (caption: string): Promise<string[][]> =>
  Promise.all(
    (await page.getByRole('table', { name: caption }).locator('tbody tr').all()).map(async (row) =>
      (await row.locator('td').allInnerTexts()).map((t) => t.trim()),
    ),
  );
/** What the focused element is: its tag, its text or label, and whether an outline shows. */
const focused = async (): Promise<{ tag: string; name: string; outline: string }> =>
  page.evaluate<{ tag: string; name: string; outline: string }>(`(() => {
    const el = document.activeElement;
    const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
    return { tag: el.tagName.toLowerCase(), name: (label || el.textContent || '').trim(), outline: getComputedStyle(el).outlineStyle };
  })()`);
const signIn = async (region: string, token: string) => {
  await page.goto(consoleUrl(region, '/sign-in'));
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
};

beforeAll(async () => {
  deployment = await startE2eDeployment({
    regionOutbox: { pollIntervalMs: 100, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2_000 },
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  page = await context.newPage();
  wallet = await registeredWallet(deployment, 'us', 'console');
  tokenRefs.us = (await wallet.addCard(cardInput(testCard('us', 'green')), userHooks())).tokenRef;
  tokenRefs.cn = (await wallet.addCard(cardInput(testCard('cn', 'yellow')), userHooks())).tokenRef;
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await deployment?.cleanup();
});

describe('operator console in Chromium (real regions on loopback)', () => {
  it('sends a visitor without a session to the sign-in, and refuses no token and a wrong one alike', async () => {
    await page.goto(consoleUrl('us'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await shot('sign-in');
    // No token: the form's own check keeps it from being sent at all...
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    // ...and sent anyway (not from the page), it is refused like any wrong token.
    const empty = await page.request.post(consoleUrl('us', '/sign-in'), { form: { token: '' } });
    expect(empty.status()).toBe(401);
    await signIn('us', 'not-the-operator-token-at-all');
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('Sign-in failed.');
    await shot('sign-in-refused');
    expect(await context.cookies()).toEqual([]);
    expect((await page.request.get(consoleUrl('us', '/overview.json'))).status()).toBe(401);
  });

  it('reaches the token field, the sign-in button and every navigation link by keyboard, focus visible', async () => {
    await page.goto(consoleUrl('us', '/sign-in'));
    const order: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press('Tab');
      const f = await focused();
      expect(f.outline).not.toBe('none');
      order.push(`${f.tag}:${f.name}`);
    }
    expect(order).toEqual(['a:Skip to content', 'input:Operator token', 'button:Sign in']);
    // Signed in by keyboard alone.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type(deployment.operatorToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(consoleUrl('us'));
    const nav: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      await page.keyboard.press('Tab');
      const f = await focused();
      expect(f.outline).not.toBe('none');
      nav.push(f.name);
    }
    expect(nav).toEqual([
      'Skip to content',
      'Overview',
      'Lost devices',
      'Audit log',
      'Residency',
      'Credentials',
      'Sign out',
    ]);
    // Enter on a focused link follows it.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(consoleUrl('us', '/credentials'));
    const cookie = (await context.cookies()).find((c) => c.name === 'domicile_console_us');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
  });

  it('shows on the overview the counts the databases hold after the provisioning run', async () => {
    for (const region of ['us', 'cn']) {
      if (region === 'cn') await signIn('cn', deployment.operatorToken);
      await page.goto(consoleUrl(region));
      const credentials = await db(region)
        .selectFrom('credentials')
        .leftJoin('credential_lifecycle', 'credential_lifecycle.credential_id', 'credentials.id')
        .select(['credentials.state', 'credential_lifecycle.product_id'])
        .execute();
      const byStateAndProduct = new Map<string, number>();
      for (const c of credentials) {
        const key = `${c.state} ${c.product_id ?? 'unknown'}`;
        byStateAndProduct.set(key, (byStateAndProduct.get(key) ?? 0) + 1);
      }
      expect(
        new Map(
          (await tableRows('Tokens')).map(([state, product, n]) => [
            `${state} ${product}`,
            Number(n),
          ]),
        ),
      ).toEqual(byStateAndProduct);
      const funnel = new Map(
        (await tableRows('Provisioning funnel')).map(([stage, n]) => [stage, Number(n)]),
      );
      const audited = async (action: string) =>
        (
          await db(region)
            .selectFrom('audit_log')
            .select('id')
            .where('action', '=', action)
            .execute()
        ).length;
      const sessions = await db(region)
        .selectFrom('provisioning_sessions')
        .select('decision')
        .execute();
      expect(Object.fromEntries(funnel)).toEqual({
        'Provisioning messages': (await audited('redirect.issued')) + sessions.length,
        'Redirects issued': await audited('redirect.issued'),
        'Redirects accepted': await audited('redirect.accepted'),
        'Decisions green': sessions.filter((s) => s.decision === 'green').length,
        'Decisions yellow': sessions.filter((s) => s.decision === 'yellow').length,
        'Decisions red': sessions.filter((s) => s.decision === 'red').length,
        'Codes sent': (await db(region).selectFrom('issuer_outbox').select('id').execute()).length,
        'Codes verified': await audited('idv.verified'),
        'Tokens made': credentials.length,
      });
      await shot(`overview-${region}`);
    }
    // The run itself, as the two regions saw it.
    expect((await tableRows('Provisioning funnel')).slice(2, 5)).toEqual([
      ['Redirects accepted', '1'],
      ['Decisions green', '0'],
      ['Decisions yellow', '1'],
    ]);
  });

  it('reports a device lost and shows each region’s status until every one confirms', async () => {
    await page.goto(consoleUrl('us'));
    await page.getByRole('link', { name: 'Lost devices' }).click();
    await shot('lost-devices');
    await page.getByLabel('Device id').fill(wallet.account?.deviceId ?? '');
    await page.getByRole('button', { name: 'Report lost' }).click();
    expect(new URL(page.url()).pathname).toMatch(/^\/console\/lost-devices\/[A-Za-z0-9_-]+$/);
    await vi.waitFor(
      async () => {
        await page.reload();
        const table = await tableRows((await page.locator('caption').first().innerText()).trim());
        expect(table.map(([region, status, , suspended]) => [region, status, suspended])).toEqual([
          ['us (home)', 'confirmed', '1'],
          ['cn', 'confirmed', '1'],
        ]);
      },
      { timeout: 15_000, interval: 200 },
    );
    await expect.poll(() => page.getByText('Every region confirmed.').count()).toBe(1);
    await shot('lost-device');
    expect(
      (await db('cn').selectFrom('credentials').select('state').execute()).map((c) => c.state),
    ).toEqual(['suspended']);
  });

  it('shows the audit log with its chain status, the residency map and a credential’s history, masked', async () => {
    await page.goto(consoleUrl('us', '/audit'));
    await expect
      .poll(() => page.getByRole('status').innerText())
      .toMatch(/^Chain verified: \d+ rows/);
    const actions = (await tableRows('Audit log, newest first')).map((r) => r[3]);
    expect(actions).toEqual(expect.arrayContaining(['device.reported_lost', 'console.signed_in']));
    await shot('audit');

    await page.getByRole('link', { name: 'Residency' }).click();
    const pseudonym = await db('us')
      .selectFrom('residency_index')
      .select(['region', 'pseudonym'])
      .execute();
    expect(await tableRows('Accounts by region')).toEqual([['cn', '1']]);
    expect(await page.locator('main').innerText()).toContain(pseudonym[0]?.pseudonym ?? '?');
    await shot('residency');

    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('Token reference').fill(tokenRefs.us);
    await page.keyboard.press('Enter');
    await page.waitForURL(consoleUrl('us', `/credentials/${tokenRefs.us}`));
    const { token_number: tokenNumber } = await db('us')
      .selectFrom('credentials')
      .select('token_number')
      .where('token_ref', '=', tokenRefs.us)
      .executeTakeFirstOrThrow();
    const text = await page.locator('main').innerText();
    expect(text).toContain(`•••• ${tokenNumber.slice(-4)}`);
    expect(text).not.toContain(tokenNumber);
    expect(text).not.toContain(testCard('us', 'green').pan);
    const lifecycle = (await tableRows('Lifecycle (audit log), newest first')).map((r) => r[2]);
    expect(lifecycle).toEqual(
      expect.arrayContaining(['credential.tokenized', 'credential.suspend']),
    );
    expect(
      (await tableRows('Push notifications to the device, newest first')).length,
    ).toBeGreaterThan(0);
    await shot('credential');
  });

  it('labels every control, and signs out', async () => {
    for (const path of ['/sign-in', '', '/lost-devices', '/audit', '/residency', '/credentials']) {
      await page.goto(consoleUrl('us', path));
      const unlabelled = await page.evaluate(
        `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((i) => i.labels.length === 0).length`,
      );
      expect(unlabelled, path).toBe(0);
    }
    await page.goto(consoleUrl('us', '/lost-devices'));
    expect(await page.getByRole('main').ariaSnapshot()).toContain('textbox "Device id"');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Signed out.');
    await page.goto(consoleUrl('us'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });
});
