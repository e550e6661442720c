import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppletView, PayOptions, Wallet } from '@domicile/device';
import { auditResidency, createProgram, memoryIo, type LocalDeployment } from '@domicile/cli';
import { sendAuthorization } from '@domicile/network';
import type { api } from '@domicile/protocol';
import { SANDBOX_SPEND_LIMIT_MINOR, TEST_CARDS } from '@domicile/region';
import {
  PASSPHRASE,
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

let deployment: LocalDeployment & { cleanup(): Promise<void> };
let wallet: Wallet;
let usCard: AppletView;
let cnCard: AppletView;
const PANS = TEST_CARDS.map((c) => c.pan);

beforeAll(async () => {
  deployment = await startE2eDeployment({ network: true });
  wallet = await registeredWallet(deployment, 'us');
  usCard = await wallet.addCard(cardInput(testCard('us', 'green')), userHooks());
  cnCard = await wallet.addCard(cardInput(testCard('cn', 'green')), userHooks());
});
afterAll(async () => {
  await deployment.cleanup();
});

function routerUrl(): string {
  if (deployment.networkUrl === undefined)
    throw new Error('the deployment started no network router');
  return deployment.networkUrl;
}

/** What the merchant's acquirer does: sends the request to the card network's router. */
async function acquire(request: api.AuthorizationRequest): Promise<api.AuthorizationResponse> {
  const answer = await sendAuthorization({ routerUrl: routerUrl(), request });
  for (const pan of PANS) expect(JSON.stringify(answer)).not.toContain(pan);
  return answer;
}

const pay = (
  card: AppletView,
  options: Partial<PayOptions> = {},
): Promise<api.AuthorizationRequest> =>
  wallet.pay({
    card: card.tokenRef,
    amountMinor: 1_250,
    currency: 'USD',
    country: 'US',
    merchant: { id: 'e2e-shop', name: 'E2E Shop' },
    ...options,
  });

async function setCredentialState(
  region: string,
  tokenRef: string,
  state: 'active' | 'suspended' | 'deleted',
): Promise<void> {
  const db = deployment.regions.get(region)?.context.db;
  if (db === undefined) throw new Error(`region ${region} is not running`);
  await db.updateTable('credentials').set({ state }).where('token_ref', '=', tokenRef).execute();
}

describe('paying with provisioned cards through the network router (real servers on loopback)', () => {
  it('pays with the home card: the router finds us by the token range, us approves with an ARPC', async () => {
    const answer = await acquire(await pay(usCard));
    expect(answer).toMatchObject({
      approved: true,
      reason: 'approved',
      responseCode: '00',
      region: 'us',
      tokenLast4: usCard.tokenLast4,
      amount: { minor: 1_250, currency: '840' },
      csu: '00800000',
    });
    expect(answer.arpc).toMatch(/^[0-9A-F]{8}$/);

    // The request's one log line says what it decided (logs are written before the answer).
    const lines = (await readFile(deployment.logFile('us'), 'utf8'))
      .split('\n')
      .filter((line) => line.includes(answer.authorizationId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        res: { statusCode: 200 },
        authorizationId: answer.authorizationId,
        tokenRef: usCard.tokenRef,
        approved: true,
        reason: 'approved',
        resent: false,
      }),
    ]);
  });

  it('pays with the redirected card: cn decides it, and only cn records it', async () => {
    const answer = await acquire(
      await pay(cnCard, { currency: 'CNY', country: 'CN', channel: 'in_app' }),
    );
    expect(answer).toMatchObject({
      approved: true,
      region: 'cn',
      tokenLast4: cnCard.tokenLast4,
      amount: { currency: '156' },
    });
    const cn = await deployment.regions
      .get('cn')
      ?.context.db.selectFrom('transactions')
      .select(['id', 'channel'])
      .execute();
    expect(cn).toEqual([{ id: answer.authorizationId, channel: 'in_app' }]);
    const us = await deployment.regions
      .get('us')
      ?.context.db.selectFrom('transactions')
      .select('id')
      .where('id', '=', answer.authorizationId)
      .execute();
    expect(us).toEqual([]);
  });

  it('refuses a replayed ATC: the same request again declines', async () => {
    const request = await pay(usCard);
    expect((await acquire(request)).approved).toBe(true);
    expect(await acquire(request)).toMatchObject({
      approved: false,
      reason: 'atc_replayed',
      region: 'us',
    });
  });

  it('answers the resend of an approval whose answer was lost with the recorded approval, through the router', async () => {
    const us = deployment.regions.get('us')?.context;
    if (us === undefined) throw new Error('region us is not running');
    const request = { ...(await pay(usCard)), requestId: 'E2E-ACQ:20261201:000001' };
    // The issuer holds its decision until the acquirer has given up on the answer.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const authorize = us.issuer.authorize.bind(us.issuer);
    const issuer = vi.spyOn(us.issuer, 'authorize').mockImplementationOnce(async (check) => {
      await held;
      return authorize(check);
    });
    try {
      const aborted = new AbortController();
      const lost = fetch(`${routerUrl()}/v1/authorizations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: aborted.signal,
      });
      await vi.waitFor(() => expect(issuer).toHaveBeenCalledOnce(), { timeout: 10_000 });
      aborted.abort();
      await expect(lost).rejects.toThrow();
      release();
      // The region decides and commits with no one left to hear it.
      const rows = await vi.waitFor(
        async () => {
          const found = await us.db
            .selectFrom('transactions')
            .select(['id', 'approved'])
            .where('token_ref', '=', usCard.tokenRef)
            .where('atc', '=', Number.parseInt(request.emv['9F36'], 16))
            .execute();
          expect(found).toHaveLength(1);
          return found;
        },
        { timeout: 10_000 },
      );
      const resent = await acquire(request);
      expect(resent).toMatchObject({ approved: true, reason: 'approved', responseCode: '00' });
      expect(resent.authorizationId).toBe(rows[0]?.id);
      expect(resent.arpc).toMatch(/^[0-9A-F]{8}$/);
      expect(issuer).toHaveBeenCalledOnce();
      expect(await acquire(request)).toEqual(resent);
      await expect(
        acquire({ ...request, merchant: { id: 'e2e-shop', name: 'Another Name' } }),
      ).rejects.toMatchObject({ code: 'AUTHORIZATION_REQUEST_MISMATCH' });
    } finally {
      issuer.mockRestore();
    }
  });

  it('refuses a tampered amount: the ARQC covers 9F02', async () => {
    const request = await pay(usCard, { amountMinor: 100 });
    const answer = await acquire({ ...request, emv: { ...request.emv, '9F02': '000000000001' } });
    expect(answer).toMatchObject({
      approved: false,
      reason: 'cryptogram_invalid',
      responseCode: '82',
    });
    expect(answer).not.toHaveProperty('arpc');
  });

  it('refuses a cryptogram made for another token', async () => {
    const cnRequest = await pay(cnCard);
    const usRequest = await pay(usCard);
    const answer = await acquire({
      ...cnRequest,
      tokenNumber: usRequest.tokenNumber,
      tokenExpiry: usRequest.tokenExpiry,
      panSequenceNumber: usRequest.panSequenceNumber,
    });
    expect(answer).toMatchObject({ approved: false, reason: 'cryptogram_invalid', region: 'us' });
  });

  it('declines a suspended and a deleted token, and pays again once the token is active', async () => {
    // Set in the region alone, as an issuer-side change the device has not heard of yet.
    await setCredentialState('us', usCard.tokenRef, 'suspended');
    expect(await acquire(await pay(usCard))).toMatchObject({
      approved: false,
      reason: 'token_suspended',
      responseCode: '62',
    });
    await setCredentialState('us', usCard.tokenRef, 'deleted');
    expect(await acquire(await pay(usCard))).toMatchObject({
      approved: false,
      reason: 'token_deleted',
    });
    await setCredentialState('us', usCard.tokenRef, 'active');
    expect(await acquire(await pay(usCard))).toMatchObject({ approved: true });
  });

  it('declines above the sandbox limit for insufficient funds', async () => {
    expect(
      await acquire(
        await pay(cnCard, { amountMinor: SANDBOX_SPEND_LIMIT_MINOR + 1, currency: 'CNY' }),
      ),
    ).toMatchObject({
      approved: false,
      reason: 'insufficient_funds',
      responseCode: '51',
      region: 'cn',
    });
  });

  it("refuses a token in no region's range with TOKEN_RANGE_UNKNOWN, before any region sees it", async () => {
    const request = await pay(usCard);
    await expect(acquire({ ...request, tokenNumber: '4999000000000009' })).rejects.toMatchObject({
      code: 'TOKEN_RANGE_UNKNOWN',
      status: 404,
    });
  });

  it("lists the device's transactions from both regions, newest first", async () => {
    const all = await wallet.transactions();
    expect(new Set(all.map((t) => t.region))).toEqual(new Set(['us', 'cn']));
    expect(all.map((t) => t.createdAt)).toEqual([...all.map((t) => t.createdAt)].sort().reverse());
    expect(all.filter((t) => t.approved).length).toBeGreaterThanOrEqual(4);
    expect(all.map((t) => t.reason)).toEqual(
      expect.arrayContaining([
        'atc_replayed',
        'cryptogram_invalid',
        'token_suspended',
        'token_deleted',
        'insufficient_funds',
      ]),
    );
    const cnOnly = await wallet.transactions('cn');
    expect(cnOnly.every((t) => t.region === 'cn' && t.last4 === cnCard.last4)).toBe(true);
  });

  // Last of the payments: the CLI opens the wallet file itself, so the `wallet` above no longer holds the latest ATC.
  it('pays from the command line, as an acquirer sends it, and lists the payments', async () => {
    const { io, stdout } = memoryIo({ env: { DOMICILE_WALLET_PASSPHRASE: PASSPHRASE } });
    const run = async (...args: string[]): Promise<string[]> => {
      const before = stdout().length;
      await createProgram(io).parseAsync(args, { from: 'user' });
      return stdout().slice(before);
    };
    const walletArgs = ['--wallet', wallet.path];
    const sent = await run(
      'device',
      'pay',
      ...walletArgs,
      '--card',
      usCard.last4,
      '--amount',
      '12.34',
      '--merchant-name',
      'CLI Cafe',
      '--send',
      routerUrl(),
    );
    expect(sent).toEqual([
      expect.stringMatching(
        new RegExp(
          `^approved: 12\\.34 USD at CLI Cafe with token •••• ${usCard.tokenLast4} of us; response code 00, authorization \\S+, ARPC [0-9A-F]{8} CSU 00800000$`,
        ),
      ),
    ]);
    const requestFile = join(deployment.dir, 'request.json');
    const [printed] = await run(
      'device',
      'pay',
      ...walletArgs,
      '--card',
      cnCard.last4,
      '--amount',
      '88',
      '--currency',
      'CNY',
      '--country',
      'CN',
      '--out',
      requestFile,
    );
    expect(printed).toMatch(/^authorization request with token •••• \d{4} written to /);
    expect((await stat(requestFile)).mode & 0o777).toBe(0o600);
    expect(
      await run('network', 'authorize', '--router', routerUrl(), '--request', requestFile),
    ).toEqual([expect.stringMatching(/^approved: 88\.00 CNY with token •••• \d{4} of cn;/)]);
    const listed = await run('device', 'transactions', ...walletArgs);
    expect(listed[0]).toMatch(
      /cn\s+•••• \d{4} \(token •••• \d{4}\)\s+88\.00 CNY {2}Sandbox Merchant \[in_store\] {2}approved$/,
    );
    expect(listed.some((l) => l.includes('CLI Cafe'))).toBe(true);
    for (const pan of PANS) expect(stdout().join('\n')).not.toContain(pan);
  });

  it('leaves no card number in clear in any database, log or wallet file after paying', async () => {
    for (const region of deployment.regions.values()) region.flushLogs();
    const report = await auditResidency(deployment, PANS, [wallet.path]);
    expect(report.scannedFiles.filter((f) => f.endsWith('.log'))).toHaveLength(3);
    expect(report.findings).toEqual([]);
  });
});
