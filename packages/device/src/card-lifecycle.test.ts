import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import { changeCardState } from './card-lifecycle.js';
import { handleNotification, type CompletionContext } from './credential-completion.js';
import { RegionClient } from './region-client.js';
import { SecureElement, type Applet } from './secure-element/index.js';
import { makeProvisioningData, samplePayload } from './testing/provisioning-data.js';
import { makeTestDirectory, regionKeys, type TestDirectory } from './testing/test-directory.js';
import { thrown } from './testing/thrown.js';

const TOKEN = 'tok_0123456789';
const NEW_ART = new TextEncoder().encode('<svg>new art</svg>');
const b64uSha256 = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('base64url');

let dir: TestDirectory | undefined;
let se: SecureElement;
let applet: Applet;
let saves: number;
let requests: {
  method: string;
  path: string;
  body: string | undefined;
  idempotencyKey: string | null;
}[];
let answer: api.CredentialState;

/** A region answering asset downloads and lifecycle requests, in process. */
const fetchFake: typeof fetch = (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  const headers = new Headers(init.headers);
  requests.push({
    method: init.method ?? 'GET',
    path: url.pathname,
    body: typeof init.body === 'string' ? init.body : undefined,
    idempotencyKey: headers.get('idempotency-key'),
  });
  if (url.pathname.startsWith('/v1/assets/'))
    return Promise.resolve(new Response(NEW_ART, { status: 200 }));
  const credential: api.CredentialView = {
    tokenRef: TOKEN,
    region: 'cn',
    network: 'unionpay',
    last4: '0005',
    tokenLast4: '7891',
    state: answer,
    createdAt: '2030-01-01T00:00:00.000Z',
  };
  return Promise.resolve(
    new Response(JSON.stringify({ credential }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    }),
  );
};

function context(): CompletionContext {
  if (dir === undefined) throw new Error('no directory');
  const client = new RegionClient({
    region: 'cn',
    baseUrl: 'https://cn.test',
    signer: se,
    fetch: fetchFake,
    retry: { attempts: 1 },
  });
  return {
    directory: dir.directory,
    secureElement: se,
    clientFor: () => client,
    persist: () => {
      saves++;
      return Promise.resolve();
    },
  };
}
const notify = (data: api.NotificationData) =>
  handleNotification(context(), 'cn', { id: 1, createdAt: '2030-01-01T00:00:00.000Z', data });

beforeEach(async () => {
  dir ??= await makeTestDirectory();
  se = await SecureElement.create();
  const data = await makeProvisioningData(
    samplePayload({ deviceJkt: se.deviceJkt }),
    regionKeys(dir, 'cn').signing.privateJwk,
    se.encryptionPublicKey,
  );
  applet = await se.installCredential(data, regionKeys(dir, 'cn').signing.publicJwk, {
    region: 'cn',
    sessionId: 'ses_0123456789',
    tokenRef: TOKEN,
    last4: '0005',
    network: 'unionpay',
  });
  applet.storeArt({ assetId: 'art_0123456789', sha256: 'a'.repeat(64) });
  applet.storeScript('a.b.c', {
    scriptId: 'scr_0123456789',
    tokenRef: TOKEN,
    region: 'cn',
    issuedAt: 1,
    artwork: { assetId: 'art_0123456789', sha256: 'qqqq'.repeat(10) + 'qqq' },
    issuer: { name: 'Bank', phone: '+86', email: 'help@bank.test', website: 'https://bank.test' },
    termsUrl: 'https://bank.test/terms',
    commands: [{ op: 'ACTIVATE' }],
  });
  applet.activate();
  saves = 0;
  requests = [];
});

describe('the applet follows its token', () => {
  it('is suspended and resumed by push notifications, each applied once', async () => {
    expect(
      await notify({
        type: 'credential.suspended',
        tokenRef: TOKEN,
        actor: 'issuer',
        reason: 'fraud_suspected',
      }),
    ).toBe('handled');
    expect(applet.state).toBe('suspended');
    expect(
      await notify({
        type: 'credential.suspended',
        tokenRef: TOKEN,
        actor: 'issuer',
        reason: 'fraud_suspected',
      }),
    ).toBe('already-done');
    expect(
      await notify({
        type: 'credential.resumed',
        tokenRef: TOKEN,
        actor: 'issuer',
        reason: 'fraud_cleared',
        state: 'active',
      }),
    ).toBe('handled');
    expect(applet.state).toBe('active');
    expect(saves).toBe(2);
  });

  it('drops its keys when deleted, and takes no other change afterwards', async () => {
    expect(applet.hasKeys).toBe(true);
    expect(
      await notify({
        type: 'credential.deleted',
        tokenRef: TOKEN,
        actor: 'system',
        reason: 'device_lost',
      }),
    ).toBe('handled');
    expect(applet.state).toBe('deleted');
    expect(applet.hasKeys).toBe(false);
    expect(se.exportState().applets[0]).not.toHaveProperty('iccMasterKey');
    // The wallet file keeps a deleted applet, keyless, and opens again.
    expect((await SecureElement.restore(se.exportState())).applet(TOKEN)?.state).toBe('deleted');
    expect(
      await notify({
        type: 'credential.deleted',
        tokenRef: TOKEN,
        actor: 'system',
        reason: 'device_lost',
      }),
    ).toBe('already-done');
    expect(
      await notify({
        type: 'credential.resumed',
        tokenRef: TOKEN,
        actor: 'issuer',
        reason: 'x',
        state: 'active',
      }),
    ).toBe('ignored');
    expect(thrown(() => applet.suspend())?.code).toBe('CREDENTIAL_STATE');
  });

  it('takes new card art only when its bytes match the announced hash', async () => {
    const bad = {
      type: 'credential.art.updated',
      tokenRef: TOKEN,
      art: { assetId: 'art_9999999999', sha256: b64uSha256(new TextEncoder().encode('other')) },
    } as const;
    await expect(notify(bad)).rejects.toMatchObject({ code: 'ASSET_HASH_MISMATCH' });
    expect(applet.art?.assetId).toBe('art_0123456789');
    const good = {
      type: 'credential.art.updated',
      tokenRef: TOKEN,
      art: { assetId: 'art_9999999999', sha256: b64uSha256(NEW_ART) },
    } as const;
    expect(await notify(good)).toBe('handled');
    expect(applet.art).toEqual({
      assetId: 'art_9999999999',
      sha256: createHash('sha256').update(NEW_ART).digest('hex'),
    });
    expect(await notify(good)).toBe('already-done');
  });

  it('shows the reissued card (last 4 and expiry) with the same token, keys and ATC, and keeps it in the wallet file', async () => {
    const before = applet.view();
    const atc = se.exportState().applets[0]?.atc;
    const updated = {
      type: 'credential.updated',
      tokenRef: TOKEN,
      last4: '2050',
      expiry: { month: 12, year: 2032 },
    } as const;
    expect(await notify(updated)).toBe('handled');
    expect(applet.view()).toEqual({
      ...before,
      last4: '2050',
      cardExpiry: { month: 12, year: 2032 },
    });
    expect(applet.hasKeys).toBe(true);
    expect(se.exportState().applets[0]?.atc).toBe(atc);
    expect(saves).toBe(1);
    expect(await notify(updated)).toBe('already-done');
    const restored = await SecureElement.restore(se.exportState());
    expect(restored.applet(TOKEN)?.view()).toMatchObject({
      last4: '2050',
      cardExpiry: { month: 12, year: 2032 },
    });
    // A deleted applet takes no new card.
    applet.delete();
    expect(await notify({ ...updated, last4: '3060' })).toBe('ignored');
    expect(applet.view().last4).toBe('2050');
  });

  it('goes back to pending activation when resumed before it was ever personalised', async () => {
    const fresh = await SecureElement.restore({
      ...se.exportState(),
      applets: se
        .exportState()
        .applets.map(({ script: _script, ...rest }) => ({ ...rest, state: 'suspended' as const })),
    });
    const restored = fresh.applet(TOKEN);
    restored?.resume('active');
    expect(restored?.state).toBe('pending_activation');
  });
});

describe('changeCardState', () => {
  it('asks the region with an Idempotency-Key and takes the state it answers', async () => {
    answer = 'suspended';
    const view = await changeCardState(context(), TOKEN, 'suspend', { reason: 'user_request' });
    expect(view.state).toBe('suspended');
    expect(requests).toEqual([
      {
        method: 'POST',
        path: `/v1/credentials/${TOKEN}/suspend`,
        body: '{"reason":"user_request"}',
        idempotencyKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) as string,
      },
    ]);
    answer = 'deleted';
    expect((await changeCardState(context(), TOKEN, 'delete')).state).toBe('deleted');
    expect(requests[1]?.body).toBe('{}');
    expect(applet.hasKeys).toBe(false);
    expect(saves).toBe(2);
    await expect(changeCardState(context(), 'tok_unknown000', 'resume')).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_FOUND',
    });
  });
});
