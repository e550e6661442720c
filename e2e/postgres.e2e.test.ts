import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '@domicile/device';
import {
  auditResidency,
  readAuthorityPublicKey,
  readRegionKeys,
  paths,
  type LocalDeployment,
} from '@domicile/cli';
import { TEST_CARDS, startRegion, type RunningRegion } from '@domicile/region';
import {
  createTestDevice,
  createTestPostgresDatabase,
  encryptCardDetails,
} from '@domicile/region/testing';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

/**
 * The production shape: each region on its own PostgreSQL database, and a second stateless node
 * of one region on the same database. Runs against the machine's PostgreSQL (`.ci/run` starts it).
 */
const databases = new Map<string, Awaited<ReturnType<typeof createTestPostgresDatabase>>>();
let deployment: LocalDeployment & { cleanup(): Promise<void> };
let wallet: Wallet;
let secondNode: RunningRegion | undefined;

beforeAll(async () => {
  for (const region of ['us', 'eu', 'cn'])
    databases.set(region, await createTestPostgresDatabase(`domicile_e2e_${region}`));
  deployment = await startE2eDeployment({
    databaseUrl: (region) => databases.get(region)?.connectionString ?? '',
  });
  wallet = await registeredWallet(deployment, 'us');
});

afterAll(async () => {
  await secondNode?.close();
  await deployment.cleanup();
  for (const db of databases.values()) await db.drop();
});

describe('regions on PostgreSQL (real servers on loopback)', () => {
  it('provisions a home card and a redirected card', async () => {
    expect(await wallet.addCard(cardInput(testCard('us', 'green')), userHooks())).toMatchObject({
      region: 'us',
      state: 'active',
    });
    expect(await wallet.addCard(cardInput(testCard('cn', 'yellow')), userHooks())).toMatchObject({
      region: 'cn',
      state: 'active',
    });
  });

  it('wakes a push stream on one node when another node of the region writes the notification', async () => {
    secondNode = await startRegion({
      region: 'us',
      directoryJws: deployment.directoryJws,
      authorityKey: await readAuthorityPublicKey(paths.authorityPublic(deployment.dir)),
      keys: await readRegionKeys(deployment.dir, 'us'),
      databaseUrl: databases.get('us')?.connectionString ?? '',
      issuer: { kind: 'sandbox' },
      port: 0,
      logLevel: 'silent',
      // No heartbeat re-read within the test: only the other node's NOTIFY can wake this stream.
      streamHeartbeatMs: 600_000,
      tsmPollMs: 600_000,
    });
    const device = await createTestDevice();
    const listed = deployment.baseUrl('us');
    // Register through the first node.
    const reg = await fetch(`${listed}/v1/accounts`, {
      method: 'POST',
      headers: await device.headers('POST', `${listed}/v1/accounts`),
      body: JSON.stringify({
        name: 'Two Nodes',
        email: 'nodes@example.com',
        device: { encryptionKey: device.encryption.publicJwk },
      }),
    });
    expect(reg.status).toBe(201);
    // Listen on the second node: the proof names the URL the directory lists, as behind a load balancer.
    const controller = new AbortController();
    const stream = await fetch(`${secondNode.url}/v1/notifications/stream`, {
      headers: {
        dpop: await device.proof('GET', `${listed}/v1/notifications/stream`),
        'last-event-id': '0',
      },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    // Provision through the first node.
    const card = testCard('us', 'green', 1);
    const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${listed}${path}`, {
        method: 'POST',
        headers: await device.headers('POST', `${listed}${path}`),
        body: JSON.stringify(body),
      });
      return res.json() as Promise<Record<string, unknown>>;
    };
    const opened = await call('/v1/provisioning', {
      routingPrefix: card.pan.slice(0, 8),
      last4: card.pan.slice(-4),
      network: card.network,
      device: { encryptionKey: device.encryption.publicJwk },
    });
    const sessionId = (opened.session as { id: string }).id;
    const terms = (await call(`/v1/provisioning/${sessionId}/eligibility`, {})).terms as {
      id: string;
      hash: string;
    };
    await call(`/v1/provisioning/${sessionId}/terms`, {
      termsId: terms.id,
      hash: terms.hash,
      accepted: true,
    });
    const usEncryption = deployment.regions.get('us')?.context.directory.key('us', 'encryption');
    if (usEncryption === undefined) throw new Error('us');
    await call(`/v1/provisioning/${sessionId}/card`, {
      cardDetails: await encryptCardDetails(
        { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name },
        usEncryption,
      ),
    });
    const tokenized = await call(`/v1/provisioning/${sessionId}/tokenize`, {});
    const tokenRef = (tokenized.credential as { tokenRef: string }).tokenRef;

    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('event: tsm.script.ready')) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    controller.abort();
    expect(text).toContain('event: credential.provisioned');
    expect(text).toContain(`"tokenRef":"${tokenRef}"`);
    expect(text).toContain('event: tsm.script.ready');
  });

  it('holds no card number in clear in any table of any region', async () => {
    const report = await auditResidency(
      deployment,
      TEST_CARDS.map((c) => c.pan),
      [wallet.path],
    );
    expect(report.regions.map((r) => [r.region, r.held.length])).toEqual([
      ['us', 2],
      ['eu', 0],
      ['cn', 1],
    ]);
    expect(report.findings).toEqual([]);
  });
});
