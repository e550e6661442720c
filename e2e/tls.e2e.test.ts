import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Wallet, type AppletView } from '@domicile/device';
import type { LocalDeployment } from '@domicile/cli';
import { SupportClient } from '@domicile/clients';
import { sendAuthorization } from '@domicile/network';
import { loadTlsFiles, tlsFetch } from '@domicile/protocol';
import {
  createThrowawayCa,
  writeThrowawayTls,
  type ThrowawayTlsFiles,
} from '@domicile/region/testing';
import {
  PASSPHRASE,
  cardInput,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

let pkiDir: string;
let pki: ThrowawayTlsFiles;
let deployment: LocalDeployment & { cleanup(): Promise<void> };
/** A device, an acquirer or an operator: trusts the deployment's CA, has no client certificate. */
let anonymous: typeof fetch;
let wallet: Wallet;
let usCard: AppletView;
let cnCard: AppletView;

beforeAll(async () => {
  pkiDir = await mkdtemp(join(tmpdir(), 'domicile-e2e-pki-'));
  pki = await writeThrowawayTls(pkiDir);
  deployment = await startE2eDeployment({
    network: true,
    tls: { ...pki, clientCaFile: pki.caFile },
    regionOutbox: { pollIntervalMs: 100, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2_000 },
  });
  anonymous = tlsFetch(loadTlsFiles({ caFile: pki.caFile }));
  wallet = await Wallet.create({
    path: join(deployment.dir, 'tls.wallet'),
    passphrase: PASSPHRASE,
    authorityKey: deployment.authorityKey,
    bootstrapUrl: deployment.baseUrl('us'),
    homeRegion: 'us',
    fetch: anonymous,
  });
  await wallet.register({ name: 'Test User', email: 'user@example.com' });
}, 60_000);
afterAll(async () => {
  await deployment.cleanup();
  await rm(pkiDir, { recursive: true, force: true });
});

describe('three regions and a network router over TLS, mutual TLS between servers', () => {
  it('lists https base URLs for every server', () => {
    for (const region of ['us', 'eu', 'cn'])
      expect(deployment.baseUrl(region)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(deployment.networkUrl).toMatch(/^https:\/\//);
  });

  it('provisions a home card and a redirected card', async () => {
    usCard = await wallet.addCard(cardInput(testCard('us', 'green')), userHooks());
    cnCard = await wallet.addCard(cardInput(testCard('cn', 'green')), userHooks());
    expect(usCard).toMatchObject({ region: 'us', state: 'active' });
    expect(cnCard).toMatchObject({ region: 'cn', state: 'active' });
  });

  it('pays through the router: acquirer to router over TLS, router to region over mutual TLS', async () => {
    for (const card of [usCard, cnCard]) {
      const request = await wallet.pay({
        card: card.tokenRef,
        amountMinor: 1_250,
        currency: 'USD',
        country: 'US',
        merchant: { id: 'e2e-shop', name: 'E2E Shop' },
      });
      const answer = await sendAuthorization({
        routerUrl: deployment.networkUrl ?? '',
        request,
        fetch: anonymous,
      });
      expect(answer).toMatchObject({ approved: true, reason: 'approved' });
    }
  });

  it('delivers a lost-device request region to region over mutual TLS', async () => {
    const support = new SupportClient({
      baseUrl: deployment.baseUrl('us'),
      operatorToken: deployment.operatorToken,
      fetch: anonymous,
    });
    const report = await support.reportLost(wallet.account?.deviceId ?? '');
    await vi.waitFor(
      async () => expect((await support.lostReport(report.reportId)).complete).toBe(true),
      { timeout: 15_000, interval: 100 },
    );
    expect((await support.lostReport(report.reportId)).regions).toEqual([
      expect.objectContaining({ region: 'cn', status: 'confirmed', suspended: 1 }),
    ]);
  });
});

describe('refusals over TLS', () => {
  it('a client that trusts another CA does not connect', async () => {
    const otherCaFile = join(pkiDir, 'other-ca.pem');
    await writeFile(otherCaFile, (await createThrowawayCa('other CA')).certPem);
    const stranger = tlsFetch(loadTlsFiles({ caFile: otherCaFile }));
    await expect(stranger(`${deployment.baseUrl('us')}/v1/directory`)).rejects.toMatchObject({
      // OpenSSL names the failed verification (the wording depends on its version), not a network error.
      cause: { code: expect.stringMatching(/CERT|VERIFY/) as unknown },
    });
  });

  it.each([
    ['/v1/regions/lost-device', { request: 'x.y.z' }],
    ['/v1/authorizations', { authorization: 'x.y.z' }],
  ])('%s refuses a caller without a client certificate', async (path, body) => {
    const res = await anonymous(`${deployment.baseUrl('cn')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'CLIENT_CERTIFICATE_REQUIRED' } });
  });

  it('a device refuses a plain-HTTP base URL off loopback before sending anything', async () => {
    const send = vi.fn(anonymous);
    await expect(
      Wallet.create({
        path: join(deployment.dir, 'plain.wallet'),
        passphrase: PASSPHRASE,
        authorityKey: deployment.authorityKey,
        bootstrapUrl: 'http://region.example:8080',
        homeRegion: 'us',
        fetch: send,
      }),
    ).rejects.toMatchObject({ code: 'INSECURE_TRANSPORT' });
    expect(send).not.toHaveBeenCalled();
  });
});
