import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SandboxOutboxClient, Wallet, type AppletView } from '@domicile/device';
import { auditResidency, createProgram, memoryIo, type LocalDeployment } from '@domicile/cli';
import { sendAuthorization } from '@domicile/network';
import { isDomicileError, type api } from '@domicile/protocol';
import { TEST_CARDS, type Database } from '@domicile/region';
import { createTestPostgresDatabase } from '@domicile/region/testing';
import type { Kysely } from 'kysely';
import {
  PASSPHRASE,
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

type TestDatabase = Awaited<ReturnType<typeof createTestPostgresDatabase>>;
const skipPg = process.env.DOMICILE_SKIP_PG === '1';
const OWNING = ['cn', 'eu'] as const;

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (isDomicileError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('a phone and a watch on one account, across three regions, on %s', (dialect, skip) => {
  const databases = new Map<string, TestDatabase>();
  let deployment: LocalDeployment & { cleanup(): Promise<void> };
  let phone: Wallet;
  let watch: Wallet;
  const phoneCards = new Map<string, AppletView>();
  const watchCards = new Map<string, AppletView>();

  const db = (region: string): Kysely<Database> => {
    const running = deployment.regions.get(region);
    if (running === undefined) throw new Error(`region ${region} is not running`);
    return running.context.db;
  };
  const newWallet = (name: string): Promise<Wallet> =>
    Wallet.create({
      path: join(deployment.dir, `${name}.wallet`),
      passphrase: PASSPHRASE,
      authorityKey: deployment.authorityKey,
      bootstrapUrl: deployment.baseUrl('us'),
      homeRegion: 'us',
    });
  const routerUrl = (): string => deployment.networkUrl ?? '';
  const pay = async (wallet: Wallet, card: AppletView): Promise<api.AuthorizationResponse> =>
    sendAuthorization({
      routerUrl: routerUrl(),
      request: await wallet.pay({
        card: card.tokenRef,
        amountMinor: 990,
        currency: 'USD',
        country: 'US',
        merchant: { id: 'e2e-devices', name: 'E2E Devices' },
      }),
    });
  const credentialsOf = (region: string, deviceId: string) =>
    db(region)
      .selectFrom('credentials')
      .select(['token_ref', 'state'])
      .where('device_id', '=', deviceId)
      .execute();
  const guestDeviceId = async (region: string, wallet: Wallet): Promise<string> =>
    (
      await db(region)
        .selectFrom('devices')
        .select('id')
        .where('jkt', '=', wallet.deviceJkt)
        .executeTakeFirstOrThrow()
    ).id;

  beforeAll(async () => {
    if (skip) return;
    if (dialect === 'postgres')
      for (const region of ['us', 'eu', 'cn'])
        databases.set(region, await createTestPostgresDatabase(`domicile_devices_e2e_${region}`));
    deployment = await startE2eDeployment({
      network: true,
      ...(dialect === 'postgres'
        ? { databaseUrl: (region: string) => databases.get(region)?.connectionString ?? '' }
        : {}),
      regionOutbox: { pollIntervalMs: 100, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2_000 },
    });
    phone = await registeredWallet(deployment, 'us', 'phone');
    for (const region of OWNING)
      phoneCards.set(
        region,
        await phone.addCard(cardInput(testCard(region, 'green')), userHooks()),
      );
  });
  afterAll(async () => {
    await deployment?.cleanup();
    for (const database of databases.values()) await database.drop();
  });

  it.skipIf(skip)(
    'joins the watch by approval: both devices show one code, and the phone signs for that key only',
    async () => {
      watch = await newWallet('watch');
      const accountId = phone.account?.accountId ?? '';
      const asked = await watch.requestJoin({ accountId, method: 'approval', model: 'watch' });
      expect(asked).toMatchObject({
        state: 'pending',
        method: 'approval',
        deviceJkt: watch.deviceJkt,
      });
      expect(asked.code).toMatch(/^\d{6}$/);
      // The phone lists the request with the code it computes from the watch's key: the same.
      const listed = await phone.joinRequests();
      expect(listed.map((r) => [r.id, r.code, r.model])).toEqual([[asked.id, asked.code, 'watch']]);
      // A code that is not the watch's is refused on the phone, before anything is signed.
      const wrong = String((Number(asked.code) + 1) % 1_000_000).padStart(6, '0');
      expect(await refusal(phone.decideJoin({ joinRequestId: asked.id, code: wrong }))).toBe(
        'JOIN_CODE_MISMATCH',
      );
      // The watch cannot approve itself: it is on no account yet.
      expect(
        await refusal(watch.decideJoin({ joinRequestId: asked.id, code: asked.code ?? '' })),
      ).toBe('WALLET_NOT_REGISTERED');
      expect(
        await phone.decideJoin({ joinRequestId: asked.id, code: asked.code ?? '' }),
      ).toMatchObject({ state: 'approved' });
      const joined = await watch.completeJoin({ timeoutMs: 5_000 });
      expect(joined.account?.accountId).toBe(accountId);
      expect(joined.account?.deviceId).not.toBe(phone.account?.deviceId);
      // Used once: approving again finds nothing pending.
      expect(
        await refusal(phone.decideJoin({ joinRequestId: asked.id, code: asked.code ?? '' })),
      ).toBe('JOIN_REQUEST_NOT_FOUND');
      const devices = await watch.devices();
      expect(devices.map((d) => [d.model ?? null, d.state, d.current])).toEqual([
        [null, 'active', false],
        ['watch', 'active', true],
      ]);
    },
  );

  it.skipIf(skip)(
    "joins a tablet by the code sent to the account's contact; wrong codes are limited",
    async () => {
      const accountId = phone.account?.accountId ?? '';
      const outbox = new SandboxOutboxClient({ baseUrl: deployment.baseUrl('us') });
      // Three wrong codes lock a request for good.
      const locked = await newWallet('tablet-locked');
      const first = await locked.requestJoin({ accountId, method: 'code' });
      expect(first.sentTo).toBe('u•••@example.com');
      const right = await outbox.waitForJoinCode({ joinRequestId: first.id });
      const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
      expect(await refusal(locked.completeJoin({ code: wrong }))).toBe('JOIN_CODE_INVALID');
      expect(await refusal(locked.completeJoin({ code: wrong }))).toBe('JOIN_CODE_INVALID');
      expect(await refusal(locked.completeJoin({ code: wrong }))).toBe('JOIN_LOCKED');
      expect(await refusal(locked.completeJoin({ code: right }))).toBe('JOIN_LOCKED');
      expect(locked.account).toBeUndefined();

      // Through the CLI: `device join --by code --sandbox-code`, then `device devices`.
      const tablet = join(deployment.dir, 'tablet.wallet');
      const cli = async (...args: string[]): Promise<unknown> => {
        const { io, stdout } = memoryIo({ env: { DOMICILE_WALLET_PASSPHRASE: PASSPHRASE } });
        try {
          await createProgram(io).parseAsync(args, { from: 'user' });
        } catch (error) {
          throw new Error(`domicile ${args.join(' ')}: exit ${io.fail(error)}`);
        }
        return JSON.parse(stdout().join('\n'));
      };
      await cli(
        'device',
        'create',
        '--wallet',
        tablet,
        '--json',
        '--authority-key',
        join(deployment.dir, 'keys', 'authority.public.jwk.json'),
        '--bootstrap',
        deployment.baseUrl('us'),
        '--home',
        'us',
      );
      const joined = (await cli(
        'device',
        'join',
        '--wallet',
        tablet,
        '--json',
        '--account',
        accountId,
        '--by',
        'code',
        '--model',
        'tablet',
        '--sandbox-code',
      )) as { account: { accountId: string } };
      expect(joined.account.accountId).toBe(accountId);
      const listed = (await cli('device', 'devices', '--wallet', tablet, '--json')) as {
        devices: api.DeviceView[];
      };
      expect(listed.devices.map((d) => d.model ?? null)).toEqual([null, 'watch', 'tablet']);
    },
  );

  it.skipIf(skip)(
    'puts a card on both devices as two tokens: one guest account with two devices in the owning region',
    async () => {
      for (const region of OWNING) {
        const card = await watch.addCard(cardInput(testCard(region, 'green')), userHooks());
        expect(card).toMatchObject({ region, state: 'active' });
        watchCards.set(region, card);
        expect(card.tokenRef).not.toBe(phoneCards.get(region)?.tokenRef);
        expect(card.tokenLast4).not.toBe(phoneCards.get(region)?.tokenLast4);
        const guests = await db(region)
          .selectFrom('accounts')
          .select('id')
          .where('kind', '=', 'guest')
          .execute();
        expect(guests).toHaveLength(1);
        const devices = await db(region)
          .selectFrom('devices')
          .select('jkt')
          .where('account_id', '=', guests[0]?.id ?? '')
          .orderBy('created_at')
          .execute();
        expect(devices.map((d) => d.jkt)).toEqual([phone.deviceJkt, watch.deviceJkt]);
        expect(await credentialsOf(region, await guestDeviceId(region, watch))).toEqual([
          { token_ref: card.tokenRef, state: 'active' },
        ]);
      }
      // Which device holds which token, as every region tells the account.
      expect(
        (await phone.accountCards()).map((t) => [
          t.region,
          t.deviceJkt === phone.deviceJkt ? 'phone' : 'watch',
          t.current,
        ]),
      ).toEqual([
        ['cn', 'phone', true],
        ['cn', 'watch', false],
        ['eu', 'phone', true],
        ['eu', 'watch', false],
      ]);
      // Each device pays with its own token.
      for (const region of OWNING) {
        const byPhone = phoneCards.get(region);
        const byWatch = watchCards.get(region);
        if (byPhone === undefined || byWatch === undefined) throw new Error('no card');
        expect((await pay(phone, byPhone)).approved).toBe(true);
        expect((await pay(watch, byWatch)).approved).toBe(true);
      }
    },
  );

  it.skipIf(skip)(
    'removes the watch: only its tokens are deleted, in every region; the phone still pays',
    async () => {
      const watchId = watch.account?.deviceId ?? '';
      const removed = await phone.removeDevice(watchId);
      expect(removed.device).toMatchObject({ id: watchId, state: 'removed' });
      expect(removed.report).toMatchObject({ action: 'delete', deviceId: watchId });
      expect(removed.report.regions.map((r) => r.region)).toEqual(['cn', 'eu']);
      for (const region of OWNING) {
        const watchDevice = await guestDeviceId(region, watch);
        await vi.waitFor(
          async () =>
            expect((await credentialsOf(region, watchDevice)).map((c) => c.state)).toEqual([
              'deleted',
            ]),
          { timeout: 15_000, interval: 100 },
        );
        const phoneDevice = await guestDeviceId(region, phone);
        expect((await credentialsOf(region, phoneDevice)).map((c) => c.state)).toEqual(['active']);
        const byPhone = phoneCards.get(region);
        const byWatch = watchCards.get(region);
        if (byPhone === undefined || byWatch === undefined) throw new Error('no card');
        expect((await pay(phone, byPhone)).approved).toBe(true);
        expect(await pay(watch, byWatch)).toMatchObject({ approved: false });
        // The watch hears it from the region: its applet follows the deletion.
        await watch.syncNotifications(region);
      }
      expect(watch.cards().map((c) => c.state)).toEqual(['deleted', 'deleted']);
      // A removed device is refused everywhere: it can add no card, whichever region owns it
      // (its home refuses it first), and approve nothing.
      expect(await refusal(watch.devices())).toBe('DEVICE_REMOVED');
      for (const region of ['us', ...OWNING])
        expect(
          await refusal(watch.addCard(cardInput(testCard(region, 'green', 1)), userHooks())),
          region,
        ).toBe('DEVICE_REMOVED');
      const ring = await newWallet('ring');
      const asked = await ring.requestJoin({
        accountId: phone.account?.accountId ?? '',
        method: 'approval',
      });
      expect(
        await refusal(watch.decideJoin({ joinRequestId: asked.id, code: asked.code ?? '' })),
      ).toBe('DEVICE_REMOVED');
      expect(
        (await phone.devices()).map((d) => [d.id, d.state]).filter(([id]) => id === watchId),
      ).toEqual([[watchId, 'removed']]);
    },
  );

  it.skipIf(skip)('keeps card numbers out of the home region and of every log', async () => {
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(
      deployment,
      TEST_CARDS.map((c) => c.pan),
      [phone.path, watch.path],
    );
    expect(report.findings).toEqual([]);
  });
});
