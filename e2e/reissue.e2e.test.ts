import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppletView, Wallet } from '@domicile/device';
import { memoryIo, paths, runCli, sandboxIssuerKeyFile, type LocalDeployment } from '@domicile/cli';
import { IssuerApiClient, SupportClient } from '@domicile/clients';
import { sendAuthorization } from '@domicile/network';
import type { api } from '@domicile/protocol';
import { TEST_CARDS } from '@domicile/region';
import { createTestPostgresDatabase } from '@domicile/region/testing';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

type TestDatabase = Awaited<ReturnType<typeof createTestPostgresDatabase>>;
const skipPg = process.env.DOMICILE_SKIP_PG === '1';
const PANS = TEST_CARDS.map((c) => c.pan);
/** The sandbox's renewed card for 4111 1111 1111 1111 (test-cards.ts). */
const RENEWED = TEST_CARDS.find((c) => c.pan === '4111110000002019');

/**
 * A reissued card keeps working, with real regions on loopback: a card provisioned and paid with,
 * reissued by its issuer through `domicile issuer reissue`, the wallet following the push
 * notification, the next payment authorized against the new card; the issuer lists its tokens and
 * an operator lists the device's tokens in every region.
 */
describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('reissue and token look-ups on %s (real servers on loopback)', (dialect, skip) => {
  const databases = new Map<string, TestDatabase>();
  let deployment: LocalDeployment & { cleanup(): Promise<void> };
  let wallet: Wallet;
  let usCard: AppletView;
  let cnCard: AppletView;

  const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const { io, stdout, stderr } = memoryIo();
    const code = await runCli(args, io);
    return { code, out: stdout().join('\n'), err: stderr().join('\n') };
  };
  const issuerArgs = (): string[] => [
    '--key-file',
    sandboxIssuerKeyFile(deployment.dir, 'us'),
    '--url',
    deployment.baseUrl('us'),
  ];
  const pay = async (card: AppletView): Promise<api.AuthorizationResponse> => {
    const routerUrl = deployment.networkUrl ?? '';
    const request = await wallet.pay({
      card: card.tokenRef,
      amountMinor: 1_250,
      currency: 'USD',
      country: 'US',
      merchant: { id: 'e2e-shop', name: 'E2E Shop' },
    });
    const answer = await sendAuthorization({ routerUrl, request });
    for (const pan of PANS) expect(JSON.stringify(answer)).not.toContain(pan);
    return answer;
  };

  beforeAll(async () => {
    if (skip) return;
    if (dialect === 'postgres')
      for (const region of ['us', 'eu', 'cn'])
        databases.set(region, await createTestPostgresDatabase(`domicile_reissue_e2e_${region}`));
    deployment = await startE2eDeployment({
      network: true,
      ...(dialect === 'postgres'
        ? { databaseUrl: (region: string) => databases.get(region)?.connectionString ?? '' }
        : {}),
    });
    wallet = await registeredWallet(deployment, 'us', 'reissue');
    usCard = await wallet.addCard(cardInput(testCard('us', 'green')), userHooks());
    cnCard = await wallet.addCard(cardInput(testCard('cn', 'green')), userHooks());
  }, 180_000);
  afterAll(async () => {
    await deployment?.cleanup();
    for (const database of databases.values()) await database.drop();
  });

  it.skipIf(skip)(
    'provision, pay, reissue, pay: the token and the applet stay, the card behind them is new',
    async () => {
      expect(usCard.last4).toBe('1111');
      expect((await pay(usCard)).reason).toBe('approved');

      if (RENEWED === undefined) throw new Error('no renewed test card');
      const cardFile = join(deployment.dir, 'renewed-card.json');
      await writeFile(
        cardFile,
        JSON.stringify({ pan: RENEWED.pan, expiry: '12/2032', name: RENEWED.name }),
        { mode: 0o600 },
      );
      const reissued = await cli(
        'issuer',
        'reissue',
        ...issuerArgs(),
        '--token',
        usCard.tokenRef,
        '--card',
        cardFile,
        '--authority-key',
        paths.authorityPublic(deployment.dir),
        '--idempotency-key',
        'e2e-reissue-key-0123456789',
        '--json',
      );
      expect(reissued.err).toBe('');
      expect(reissued.code).toBe(0);
      expect(JSON.parse(reissued.out)).toMatchObject({
        changed: true,
        credential: { tokenRef: usCard.tokenRef, last4: '2019', state: 'active' },
      });
      expect(reissued.out).not.toContain(RENEWED.pan);

      // The wallet reads its push notifications: the applet shows the new card, same token.
      const handled = await wallet.syncNotifications('us');
      expect(handled.map((h) => [h.notification.data.type, h.outcome])).toContainEqual([
        'credential.updated',
        'handled',
      ]);
      const after = wallet.cards().find((c) => c.tokenRef === usCard.tokenRef);
      expect(after).toMatchObject({
        last4: '2019',
        cardExpiry: { month: 12, year: 2032 },
        tokenLast4: usCard.tokenLast4,
        state: 'active',
      });

      // The next payment is authorized against the new card (number and expiry) by the sandbox issuer.
      const answer = await pay(usCard);
      expect(answer).toMatchObject({ approved: true, reason: 'approved', region: 'us' });

      // A retry of the same reissue is answered from the first: nothing changes twice.
      const retry = await cli(
        'issuer',
        'reissue',
        ...issuerArgs(),
        '--token',
        usCard.tokenRef,
        '--card',
        cardFile,
        '--authority-key',
        paths.authorityPublic(deployment.dir),
        '--idempotency-key',
        'e2e-reissue-key-0123456789',
        '--json',
      );
      expect(JSON.parse(retry.out)).toEqual(JSON.parse(reissued.out));
      const db = deployment.regions.get('us')?.context.db;
      const erased = await db
        ?.selectFrom('vault_records')
        .select(['wrapped_key', 'erased_at'])
        .where('erased_at', 'is not', null)
        .execute();
      expect(erased).toHaveLength(1);
    },
  );

  it.skipIf(skip)(
    'lets the issuer list and read its own tokens, with last use, never a number',
    async () => {
      const listed = await cli('issuer', 'credentials', ...issuerArgs(), '--limit', '1', '--json');
      expect(listed.code).toBe(0);
      const page = JSON.parse(listed.out) as api.IssuerTokenListResponse;
      expect(page.credentials).toHaveLength(1);
      expect(page.credentials[0]).toMatchObject({
        tokenRef: usCard.tokenRef,
        last4: '2019',
        lastUsedAt: expect.any(String) as string,
      });
      for (const pan of PANS) expect(listed.out).not.toContain(pan);

      const key = deployment.sandboxIssuer('us');
      const issuer = new IssuerApiClient({
        issuerId: key.issuerId,
        key: key.privateJwk,
        baseUrl: deployment.baseUrl('us'),
        region: 'us',
      });
      const suspended = await issuer.listCredentials({ state: 'suspended' });
      expect(suspended.credentials).toEqual([]);
      const one = await issuer.getCredential(usCard.tokenRef);
      expect(one.credential.deviceId).toBe(wallet.account?.deviceId);
      // us's issuer knows nothing of the cn token, which lives in cn.
      await expect(issuer.getCredential(cnCard.tokenRef)).rejects.toMatchObject({
        code: 'CREDENTIAL_NOT_FOUND',
      });
    },
  );

  it.skipIf(skip)(
    "lets an operator list the device's tokens in every region, through the home region",
    async () => {
      const support = new SupportClient({
        baseUrl: deployment.baseUrl('us'),
        operatorToken: deployment.operatorToken,
      });
      const result = await support.deviceTokens(wallet.account?.deviceId ?? '');
      expect(result.complete).toBe(true);
      const byRegion = new Map(result.regions.map((r) => [r.region, r]));
      expect(byRegion.get('us')?.tokens.map((t) => [t.tokenRef, t.last4])).toEqual([
        [usCard.tokenRef, '2019'],
      ]);
      expect(byRegion.get('cn')?.tokens.map((t) => [t.tokenRef, t.last4, t.state])).toEqual([
        [cnCard.tokenRef, cnCard.last4, 'active'],
      ]);
      const printed = await cli(
        'support',
        'device-tokens',
        '--url',
        deployment.baseUrl('us'),
        '--token-file',
        deployment.operatorTokenFile,
        '--device',
        wallet.account?.deviceId ?? '',
      );
      expect(printed.code).toBe(0);
      expect(printed.out).toContain(`cn: 1 token(s)`);
      for (const pan of PANS) expect(printed.out).not.toContain(pan);
    },
  );
});
