import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Wallet } from '@domicile/device';
import { api, generateKeyPairJwk, signJson, type PrivateJwk } from '@domicile/protocol';
import {
  auditResidency,
  createProgram,
  memoryIo,
  readRegionKeys,
  type LocalDeployment,
} from '@domicile/cli';
import { SupportClient } from '@domicile/clients';
import { TEST_CARDS } from '@domicile/region';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

let deployment: LocalDeployment & { cleanup(): Promise<void> };
let wallet: Wallet;
let support: SupportClient;
let reportId: string;

const db = (region: string) => {
  const running = deployment.regions.get(region);
  if (running === undefined) throw new Error(`region ${region} is not running`);
  return running.context.db;
};
const tokenStates = async (region: string): Promise<string[]> =>
  (await db(region).selectFrom('credentials').select('state').execute()).map((c) => c.state);

beforeAll(async () => {
  // Short backoff and polling, so a region that comes back is served within a second.
  deployment = await startE2eDeployment({
    regionOutbox: { pollIntervalMs: 100, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2_000 },
  });
  wallet = await registeredWallet(deployment, 'us', 'lost');
  support = new SupportClient({
    baseUrl: deployment.baseUrl('us'),
    operatorToken: deployment.operatorToken,
  });
  for (const card of [testCard('us', 'green'), testCard('cn', 'yellow'), testCard('eu', 'green')]) {
    expect(await wallet.addCard(cardInput(card), userHooks())).toMatchObject({
      region: card.region,
      state: 'active',
    });
  }
});
afterAll(async () => {
  await deployment.cleanup();
});

/** Signs a region-to-region request as `iss` would (or as a forger with another key would). */
async function regionRequest(
  key: PrivateJwk,
  claims: Partial<api.LostDeviceRequestClaims> = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signJson(
    {
      iss: 'us',
      aud: 'cn',
      iat,
      exp: iat + 60,
      jti: randomBytes(18).toString('base64url'),
      reportId: `forged-${randomBytes(6).toString('hex')}`,
      pseudonym: randomBytes(32).toString('base64url'),
      deviceJkt: randomBytes(32).toString('base64url'),
      ...claims,
    },
    key,
    api.REGION_REQUEST_TYP,
  );
}
async function postToCn(request: string): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${deployment.baseUrl('cn')}/v1/regions/lost-device`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request }),
  });
  const body = (await res.json()) as { error?: { code?: unknown } };
  return { status: res.status, code: body.error?.code };
}

describe('lost device across regions, with one region down (real servers on loopback)', () => {
  it('suspends the home token at once and reports cn pending while it is down', async () => {
    expect(
      (
        await db('us').selectFrom('residency_index').select('region').orderBy('region').execute()
      ).map((r) => r.region),
    ).toEqual(['cn', 'eu']);
    await deployment.stopOne('cn');
    const deviceId = wallet.account?.deviceId ?? '';
    const report = await support.reportLost(deviceId);
    reportId = report.reportId;
    expect(report).toMatchObject({
      deviceId,
      reportedBy: 'operator',
      home: { region: 'us', suspended: 1 },
      complete: false,
    });
    expect(await tokenStates('us')).toEqual(['suspended']);

    await vi.waitFor(
      async () => {
        const now = await support.lostReport(reportId);
        expect(now.regions).toEqual([
          expect.objectContaining({
            region: 'cn',
            status: 'failing',
            lastError: 'REGION_REQUEST_UNDELIVERED',
          }),
          expect.objectContaining({ region: 'eu', status: 'confirmed', suspended: 1 }),
        ]);
        expect(now.regions[0]?.attempts).toBeGreaterThanOrEqual(2);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(await tokenStates('eu')).toEqual(['suspended']);
  });

  it('delivers to cn once it is back: the report shows it confirmed, and the device is told', async () => {
    await deployment.startOne('cn');
    await vi.waitFor(async () => expect((await support.lostReport(reportId)).complete).toBe(true), {
      timeout: 15_000,
      interval: 100,
    });
    expect((await support.lostReport(reportId)).regions[0]).toMatchObject({
      region: 'cn',
      status: 'confirmed',
      suspended: 1,
    });
    expect(await tokenStates('cn')).toEqual(['suspended']);
    // The device hears it from each region that suspended a token: a push notification there.
    for (const region of ['us', 'cn', 'eu']) {
      const handled = await wallet.syncNotifications(region);
      expect(
        handled.map((h) => h.notification.data),
        region,
      ).toContainEqual(
        expect.objectContaining({
          type: 'credential.suspended',
          actor: 'system',
          reason: 'device_lost',
        }),
      );
    }
    // …and its secure element follows: every applet is suspended.
    expect(wallet.cards().map((c) => `${c.region}:${c.state}`)).toEqual([
      'us:suspended',
      'cn:suspended',
      'eu:suspended',
    ]);
  });

  it('prints the report from the CLI', async () => {
    const { io, stdout } = memoryIo();
    await createProgram(io).parseAsync(
      [
        'support',
        'lost-report',
        '--url',
        deployment.baseUrl('us'),
        '--token-file',
        deployment.operatorTokenFile,
        '--report',
        reportId,
      ],
      { from: 'user' },
    );
    const lines = stdout();
    expect(lines.join('\n')).toMatch(/cn\s+confirmed\s+suspended 1/);
    expect(lines.at(-1)).toContain('every region confirmed');
  });

  it('refuses forged region-to-region requests: an unlisted key, another audience, a replay', async () => {
    const usKey = (await readRegionKeys(deployment.dir, 'us')).signing as PrivateJwk;
    const rogue = await generateKeyPairJwk('sig');
    expect(await postToCn(await regionRequest({ ...rogue.privateJwk, kid: usKey.kid }))).toEqual({
      status: 401,
      code: 'REGION_REQUEST_INVALID',
    });
    expect(await postToCn(await regionRequest(usKey, { aud: 'eu' }))).toEqual({
      status: 401,
      code: 'REGION_REQUEST_AUDIENCE',
    });
    const genuine = await regionRequest(usKey);
    expect((await postToCn(genuine)).status).toBe(200);
    expect(await postToCn(genuine)).toEqual({ status: 401, code: 'REGION_REQUEST_REPLAYED' });
    // None of them touched the suspended token or its state.
    expect(await tokenStates('cn')).toEqual(['suspended']);
  });

  it('keeps card numbers out of every database and log, residency index and outbox included', async () => {
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(
      deployment,
      TEST_CARDS.map((c) => c.pan),
      [wallet.path],
    );
    expect(report.findings).toEqual([]);
  });
});
