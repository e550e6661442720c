import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProvisioningStep } from './provisioning-steps.js';
import {
  CARDS,
  PASSPHRASE,
  makeWalletFixture,
  type WalletFixture,
} from './testing/wallet-fixture.js';
import { Wallet } from './wallet.js';

let fx: WalletFixture;
beforeEach(async () => {
  fx = await makeWalletFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

const names = (steps: readonly ProvisioningStep[]): string[] => steps.map((s) => s.step);

describe('Wallet', () => {
  it('provisions a home-region card through to an active applet', async () => {
    const wallet = await fx.newWallet();
    const steps: ProvisioningStep[] = [];
    const card = await wallet.addCard(CARDS.usGreen, fx.hooks(steps));
    expect(card).toMatchObject({ region: 'us', network: 'visa', last4: '1111', state: 'active' });
    expect(names(steps)).toEqual([
      'message',
      'session',
      'eligibility',
      'terms',
      'card-details',
      'tokenized',
      'waiting',
      'card-art',
      'script',
      'active',
    ]);
    expect(fx.regions.us.executions.get('/v1/provisioning')).toBe(1);
  });

  it('follows a checked redirect for a foreign card; its number reaches only the owning region, encrypted', async () => {
    const wallet = await fx.newWallet();
    const steps: ProvisioningStep[] = [];
    const card = await wallet.addCard(CARDS.cnYellow, fx.hooks(steps));
    expect(card).toMatchObject({
      region: 'cn',
      network: 'unionpay',
      last4: '0005',
      state: 'active',
    });
    expect(steps).toContainEqual({
      step: 'redirect',
      from: 'us',
      to: 'cn',
      baseUrl: 'https://cn.test',
    });
    expect(steps).toContainEqual({
      step: 'card-details',
      region: 'cn',
      encryptedTo: fx.dir.directory.key('cn', 'encryption')?.kid,
    });
    expect(names(steps)).toEqual(expect.arrayContaining(['idv', 'idv-verified', 'active']));
    const sent = fx.network.log.map((r) => `${r.url} ${r.body ?? ''}`).join('\n');
    expect(sent).not.toContain(CARDS.cnYellow.pan);
    expect(sent).not.toContain('"cvv"');
    const toHome = fx.network.log
      .filter((r) => r.url.startsWith('https://us.test'))
      .map((r) => r.body ?? '')
      .join('\n');
    expect(toHome).not.toContain('cardDetails');
    expect(wallet.regions().sort()).toEqual(['cn', 'us']);
  });

  it('asks a region for its guest account once, not at every redirect there', async () => {
    const wallet = await fx.newWallet();
    await wallet.addCard(CARDS.cnYellow, fx.hooks());
    await wallet.addCard(CARDS.cnYellow, fx.hooks());
    const redirects = fx.network.log.filter(
      (r) => r.url === 'https://cn.test/v1/provisioning' && r.body?.includes('redirectAssertion'),
    );
    const accountReads = fx.network.log.filter((r) => r.url === 'https://cn.test/v1/accounts/me');
    expect([redirects.length, accountReads.length]).toEqual([2, 1]);
  });

  it('sends nothing to a region the assertion does not vouch for', async () => {
    const wallet = await fx.newWallet();
    fx.regions.us.tamper.assertion = (claims) => ({ ...claims, aud: 'eu' });
    await expect(wallet.addCard(CARDS.cnYellow, fx.hooks())).rejects.toMatchObject({
      code: 'REDIRECT_UNTRUSTED',
      details: { check: 'audience' },
    });
    expect(fx.network.log.some((r) => r.url.startsWith('https://cn.test'))).toBe(false);
  });

  it("stops at a red decision with the issuer's reason", async () => {
    const wallet = await fx.newWallet();
    await expect(wallet.addCard(CARDS.usDeclined, fx.hooks())).rejects.toMatchObject({
      code: 'PROVISIONING_DECLINED',
      details: { reason: 'card reported lost' },
    });
    expect(wallet.cards()).toEqual([]);
  });

  it('stops when the user declines the terms, before any card details are sent', async () => {
    const wallet = await fx.newWallet();
    await expect(
      wallet.addCard(CARDS.usGreen, fx.hooks([], { acceptTerms: () => Promise.resolve(false) })),
    ).rejects.toMatchObject({ code: 'PROVISIONING_DECLINED' });
    expect(fx.network.log.some((r) => r.url.endsWith('/card'))).toBe(false);
  });

  it('asks for the code again after a wrong one, with the tries left', async () => {
    const wallet = await fx.newWallet();
    const steps: ProvisioningStep[] = [];
    const codes = ['000000', '123456'];
    await wallet.addCard(
      CARDS.cnYellow,
      fx.hooks(steps, { readOtp: () => Promise.resolve(codes.shift() ?? '') }),
    );
    expect(steps).toContainEqual({ step: 'idv-retry', region: 'cn', triesLeft: 2 });
  });

  it("reads the sandbox outbox through the wallet's fetch and retries, after a 503 too", async () => {
    const wallet = await fx.newWallet();
    const isOutbox = (url: URL): boolean => url.pathname === '/v1/sandbox/outbox';
    fx.network.fail(isOutbox, 503);
    const given: unknown[] = [];
    const hooks = fx.hooks();
    await wallet.addCard(CARDS.cnYellow, {
      ...hooks,
      readOtp: (context) => {
        given.push(context.transport.retry);
        return hooks.readOtp(context);
      },
    });
    expect(given).toEqual([expect.objectContaining(fx.runtime.retry)]);
    const outboxReads = fx.network.log.filter((r) => isOutbox(new URL(r.url)));
    expect(outboxReads.length).toBeGreaterThanOrEqual(2);
  });

  it('retries a POST after a network error and a 503 with the same Idempotency-Key, and tokenizes once', async () => {
    const wallet = await fx.newWallet();
    const isTokenize = (url: URL): boolean => url.pathname.endsWith('/tokenize');
    fx.network.fail(isTokenize, 'network');
    fx.network.fail(isTokenize, 503);
    await wallet.addCard(CARDS.usGreen, fx.hooks());
    const keys = fx.network.log
      .filter((r) => r.url.endsWith('/tokenize'))
      .map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(
      fx.regions.us.executions.get(
        [...fx.regions.us.sessions.keys()].map((id) => `/v1/provisioning/${id}/tokenize`)[0] ?? '',
      ),
    ).toBe(1);
  });

  it('refuses an art hash announced in another form than base64url', async () => {
    const wallet = await fx.newWallet();
    fx.regions.us.artHashEncoding = 'hex';
    await expect(wallet.addCard(CARDS.usGreen, fx.hooks())).rejects.toMatchObject({
      code: 'PEER_MALFORMED',
      details: { peer: 'region', region: 'us', what: 'schema' },
    });
  });

  it('refuses a session opened for another card, before sending any card details', async () => {
    const wallet = await fx.newWallet();
    fx.regions.us.tamper.session = (view) => ({ ...view, last4: '9999' });
    await expect(wallet.addCard(CARDS.usGreen, fx.hooks())).rejects.toMatchObject({
      code: 'PEER_MALFORMED',
      details: { peer: 'region', region: 'us', what: 'mismatch' },
    });
    expect(fx.network.log.some((r) => r.url.endsWith('/card'))).toBe(false);
    expect(fx.network.log.some((r) => r.url.endsWith('/v1/provisioning'))).toBe(true);
  });

  it('refuses card art whose hash is not the announced one', async () => {
    const wallet = await fx.newWallet();
    fx.regions.us.tamper.art = new TextEncoder().encode('<svg>forged</svg>');
    await expect(wallet.addCard(CARDS.usGreen, fx.hooks())).rejects.toMatchObject({
      code: 'ASSET_HASH_MISMATCH',
    });
  });

  it('persists cards, cursor and keys, and reopens only with the passphrase', async () => {
    const wallet = await fx.newWallet();
    await wallet.addCard(CARDS.usGreen, fx.hooks());
    const path = join(fx.folder, 'wallet.json');
    const again = await Wallet.open({ path, passphrase: PASSPHRASE, ...fx.runtime });
    expect(again.cards()).toEqual(wallet.cards());
    expect(again.deviceJkt).toBe(wallet.deviceJkt);
    expect(again.account).toEqual(wallet.account);
    // Only what was already done (the region's own echo of the activation) is left to read.
    expect((await again.syncNotifications('us')).map((h) => h.outcome)).toEqual(['already-done']);
    expect(await again.syncNotifications('us')).toEqual([]);
    await expect(Wallet.open({ path, passphrase: 'nope' })).rejects.toMatchObject({
      code: 'WALLET_LOCKED',
    });
  });

  it('needs a registration before adding a card, and registers once', async () => {
    const wallet = await Wallet.create({
      path: join(fx.folder, 'fresh.json'),
      passphrase: PASSPHRASE,
      authorityKey: fx.dir.authority.publicJwk,
      bootstrapUrl: 'https://us.test',
      homeRegion: 'us',
      ...fx.runtime,
    });
    await expect(wallet.addCard(CARDS.usGreen, fx.hooks())).rejects.toMatchObject({
      code: 'WALLET_NOT_REGISTERED',
    });
    const account = await wallet.register({ name: 'Ada', email: 'ada@example.com' });
    expect(await wallet.register({ name: 'Ada', email: 'ada@example.com' })).toEqual(account);
  });

  it('refuses a directory the pinned authority did not sign, or a home region it does not list', async () => {
    const other = await makeWalletFixture();
    const base = { passphrase: PASSPHRASE, bootstrapUrl: 'https://us.test', ...fx.runtime };
    await expect(
      Wallet.create({
        ...base,
        path: join(fx.folder, 'a.json'),
        authorityKey: other.dir.authority.publicJwk,
        homeRegion: 'us',
      }),
    ).rejects.toMatchObject({ code: 'DIRECTORY_AUTHORITY_UNKNOWN' });
    await expect(
      Wallet.create({
        ...base,
        path: join(fx.folder, 'b.json'),
        authorityKey: fx.dir.authority.publicJwk,
        homeRegion: 'mars',
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await other.cleanup();
  });
});
