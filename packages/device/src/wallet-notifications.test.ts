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
import type { HandledNotification } from './wallet-notifications.js';

let fx: WalletFixture;
beforeEach(async () => {
  fx = await makeWalletFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

describe('Wallet notifications', () => {
  it('leaves a card pending when the TSM is late, and completes it when following the stream', async () => {
    const wallet = await fx.newWallet();
    fx.regions.cn.tsmDelayMs = undefined;
    const steps: ProvisioningStep[] = [];
    const card = await wallet.addCard(CARDS.cnYellow, fx.hooks(steps), { activationTimeoutMs: 50 });
    expect(card.state).toBe('pending_activation');
    expect(steps.at(-1)).toEqual({
      step: 'activation-pending',
      region: 'cn',
      tokenRef: card.tokenRef,
    });
    void fx.regions.cn.announceScript(card.tokenRef);

    const stop = new AbortController();
    const handled: HandledNotification[] = [];
    await wallet.followNotifications({
      signal: stop.signal,
      onNotification: (h) => {
        handled.push(h);
        if (wallet.cards()[0]?.state === 'active') stop.abort();
      },
    });
    expect(wallet.cards()[0]?.state).toBe('active');
    expect(handled.map((h) => `${h.region}:${h.notification.data.type}:${h.outcome}`)).toContain(
      'cn:tsm.script.ready:handled',
    );

    // The cursor was saved after each notification: a reopened wallet does not act twice.
    const again = await Wallet.open({
      path: join(fx.folder, 'wallet.json'),
      passphrase: PASSPHRASE,
      ...fx.runtime,
    });
    const outcomes = (await again.syncNotifications('cn')).map((h) => h.outcome);
    expect(outcomes.every((o) => o === 'already-done')).toBe(true);
  });

  it('resumes a dropped stream with Last-Event-ID and misses nothing', async () => {
    const wallet = await fx.newWallet();
    // The script is announced only after the stream was dropped: the wallet must resume to see it.
    fx.regions.us.tsmDelayMs = undefined;
    const card = wallet.addCard(
      CARDS.usGreen,
      fx.hooks([], {
        onStep: (e) => {
          if (e.step !== 'card-art') return;
          fx.regions.us.push.dropStreams();
          void fx.regions.us.announceScript(e.tokenRef);
        },
      }),
    );
    await expect(card).resolves.toMatchObject({ state: 'active' });
    const streams = fx.network.log.filter((r) => r.url.endsWith('/v1/notifications/stream'));
    expect(streams.length).toBeGreaterThanOrEqual(2);
  });

  it('completes a pending card from the script alone, card art included', async () => {
    const wallet = await fx.newWallet();
    fx.regions.us.tsmDelayMs = undefined;
    const card = await wallet.addCard(CARDS.usGreen, fx.hooks(), { activationTimeoutMs: 1 });
    expect(card.state).toBe('pending_activation');
    expect(await wallet.completePending()).toMatchObject([{ state: 'pending_activation' }]);
    await fx.regions.us.announceScript(card.tokenRef);
    expect(await wallet.completePending()).toMatchObject([
      { state: 'active', art: { assetId: `art_${card.tokenRef}` } },
    ]);
  });

  it('stops waiting when the caller aborts', async () => {
    const wallet = await fx.newWallet();
    fx.regions.us.tsmDelayMs = undefined;
    const stop = new AbortController();
    const run = wallet.addCard(
      CARDS.usGreen,
      fx.hooks([], {
        onStep: (e) => e.step === 'waiting' && stop.abort(new Error('user gave up')),
      }),
      { signal: stop.signal },
    );
    await expect(run).rejects.toThrow('user gave up');
    expect(wallet.cards()).toMatchObject([{ state: 'pending_activation' }]);
  });

  it('tells onNotificationHandled of each notification handled, in adding a card and in a sync', async () => {
    const seen: string[] = [];
    const wallet = await Wallet.create({
      path: join(fx.folder, 'observed.json'),
      passphrase: PASSPHRASE,
      authorityKey: fx.dir.authority.publicJwk,
      bootstrapUrl: 'https://eu.test',
      homeRegion: 'us',
      ...fx.runtime,
      onNotificationHandled: (h) => seen.push(`${h.region}:${h.notification.id}`),
    });
    await wallet.register({ name: 'Ada Lovelace', email: 'ada@example.com', model: 'test' });
    fx.regions.us.tsmDelayMs = undefined;
    const card = await wallet.addCard(CARDS.usGreen, fx.hooks(), { activationTimeoutMs: 50 });
    const duringAdd = seen.length;
    // The card art arrives while the card is added; the script only in the sync below.
    expect(duringAdd).toBeGreaterThanOrEqual(1);
    await fx.regions.us.announceScript(card.tokenRef);
    const synced = await wallet.syncNotifications('us');
    expect(synced.length).toBeGreaterThanOrEqual(1);
    expect(seen.slice(duringAdd)).toEqual(synced.map((h) => `us:${h.notification.id}`));
  });
});
