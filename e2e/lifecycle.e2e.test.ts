import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WalletFile, directoryKey, type Wallet } from '@domicile/device';
import { generateKeyPairJwk, verifyDirectory, type KeyPairJwk } from '@domicile/protocol';
import {
  createProgram,
  freePorts,
  memoryIo,
  sandboxIssuerKeyFile,
  type LocalDeployment,
} from '@domicile/cli';
import { IssuerApiClient } from '@domicile/clients';
import type { RegionContext } from '@domicile/region';
import {
  PASSPHRASE,
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';
import { createRawDevice, errorCode } from './testing/raw-device.js';
import { WebhookReceiver } from './testing/webhook-receiver.js';

let deployment: LocalDeployment & { cleanup(): Promise<void> };
let receiver: WebhookReceiver;
let prairie: KeyPairJwk;
let wallet: Wallet;
let tokenRef: string;

const us = (): RegionContext => {
  const region = deployment.regions.get('us');
  if (region === undefined) throw new Error('us is not running');
  return region.context;
};
const sandboxIssuer = (): IssuerApiClient => {
  const key = deployment.sandboxIssuer('us');
  return new IssuerApiClient({
    issuerId: key.issuerId,
    key: key.privateJwk,
    baseUrl: deployment.baseUrl('us'),
    region: 'us',
  });
};
const tokenState = async (): Promise<string | undefined> =>
  (
    await us()
      .db.selectFrom('credentials')
      .select('state')
      .where('token_ref', '=', tokenRef)
      .executeTakeFirst()
  )?.state;

/** Runs `domicile …args` in process, with what it prints captured. */
async function cli(...args: string[]): Promise<string[]> {
  const { io, stdout } = memoryIo();
  await createProgram(io).parseAsync(args, { from: 'user' });
  return stdout();
}

beforeAll(async () => {
  const [port] = await freePorts(1);
  prairie = await generateKeyPairJwk('sig');
  const hookUrl = `http://127.0.0.1:${port ?? 0}/webhooks`;
  // In us: the sandbox issuer owns the Liberty product and has a webhook URL; a second issuer owns Prairie.
  deployment = await startE2eDeployment({
    issuers: (region, sandbox) =>
      region !== 'us'
        ? [sandbox]
        : [
            { ...sandbox, productIds: ['us-liberty-visa'], webhookUrl: hookUrl },
            { id: 'prairie', publicKey: prairie.publicJwk, productIds: ['us-prairie-mastercard'] },
          ],
    webhooks: { retryBaseMs: 100, retryMaxMs: 400, pollMs: 100, timeoutMs: 2_000 },
  });
  const directory = await verifyDirectory(deployment.directoryJws, deployment.authorityKey);
  if (port === undefined) throw new Error('no free port');
  receiver = new WebhookReceiver(port, directoryKey(directory, 'us', 'signing'), { failFirst: 1 });
  wallet = await registeredWallet(deployment, 'us', 'lifecycle');
  const card = await wallet.addCard(cardInput(testCard('us', 'green')), userHooks());
  expect(card).toMatchObject({ region: 'us', last4: '1111', state: 'active' });
  tokenRef = card.tokenRef;
});
afterAll(async () => {
  await receiver.stop();
  await deployment.cleanup();
});

describe('token lifecycle (real servers on loopback)', () => {
  it("queues the token.created webhook and keeps retrying while the issuer's receiver is down", async () => {
    await vi.waitFor(
      async () => {
        const rows = await us().db.selectFrom('webhook_deliveries').selectAll().execute();
        expect(rows).toEqual([
          expect.objectContaining({
            type: 'token.created',
            issuer_id: 'sandbox-us',
            delivered_at: null,
            last_error: 'ECONNREFUSED',
          }),
        ]);
        expect(rows[0]?.attempts).toBeGreaterThanOrEqual(2);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('lets the user suspend from the CLI and resume from the SDK; the push reaches the wallet', async () => {
    const passphraseFile = join(deployment.dir, 'passphrase.txt');
    await writeFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const out = await cli(
      'device',
      'suspend',
      '--wallet',
      wallet.path,
      '--passphrase-file',
      passphraseFile,
      '--card',
      '1111',
    );
    expect(out).toEqual([
      expect.stringMatching(/^us visa •••• 1111 \(token •••• \d{4}\): suspended$/),
    ]);
    expect(await tokenState()).toBe('suspended');
    // The in-memory wallet did not make that change: the push notification brings it.
    expect(wallet.cards()[0]?.state).toBe('active');
    const handled = await wallet.syncNotifications('us');
    // The region's echo of the activation comes first: the wallet had not synced since adding the card.
    expect(handled.map((h) => [h.notification.data.type, h.outcome])).toEqual([
      ['credential.activated', 'already-done'],
      ['credential.suspended', 'handled'],
    ]);
    expect(wallet.cards()[0]?.state).toBe('suspended');

    expect((await wallet.resumeCard(tokenRef)).state).toBe('active');
    expect(await tokenState()).toBe('active');
    expect(
      (await wallet.syncNotifications('us')).map((h) => [h.notification.data.type, h.outcome]),
    ).toEqual([['credential.resumed', 'already-done']]);
  });

  it('lets the issuer suspend through the issuer API with its own key; the stream reaches the wallet and the device cannot lift it', async () => {
    const stop = new AbortController();
    let connect = (): void => undefined;
    const connected = new Promise<void>((resolve) => {
      connect = resolve;
    });
    const following = wallet.followNotifications({
      signal: stop.signal,
      onConnect: () => connect(),
    });
    await connected;
    expect(await sandboxIssuer().changeState(tokenRef, 'suspend', 'fraud_suspected')).toMatchObject(
      { changed: true, credential: { state: 'suspended' } },
    );
    await vi.waitFor(
      () => {
        expect(wallet.cards()[0]?.state).toBe('suspended');
      },
      { timeout: 5_000, interval: 50 },
    );
    stop.abort();
    await following;

    await expect(wallet.resumeCard(tokenRef)).rejects.toMatchObject({
      code: 'RESUME_NOT_ALLOWED',
      details: { suspendedBy: 'issuer' },
    });
    expect(await sandboxIssuer().changeState(tokenRef, 'resume', 'fraud_cleared')).toMatchObject({
      changed: true,
      credential: { state: 'active' },
    });
    await wallet.syncNotifications('us');
    expect(wallet.cards()[0]?.state).toBe('active');
  });

  it("refuses a device proof and another issuer's key at the issuer API", async () => {
    const device = await createRawDevice();
    const path = `/v1/issuer/credentials/${tokenRef}/suspend`;
    const withProof = await device.call(deployment.baseUrl('us'), 'POST', path, {
      reason: 'fraud_suspected',
    });
    expect([withProof.status, errorCode(withProof)]).toEqual([401, 'ISSUER_AUTH_REQUIRED']);
    // A JWS made with a key the region does not list for any issuer (here: a device's own key).
    const forged = new IssuerApiClient({
      issuerId: 'sandbox-us',
      key: (await generateKeyPairJwk('sig')).privateJwk,
      baseUrl: deployment.baseUrl('us'),
      region: 'us',
    });
    await expect(forged.changeState(tokenRef, 'suspend', 'fraud_suspected')).rejects.toMatchObject({
      code: 'ISSUER_AUTH_INVALID',
    });
    const other = new IssuerApiClient({
      issuerId: 'prairie',
      key: prairie.privateJwk,
      baseUrl: deployment.baseUrl('us'),
      region: 'us',
    });
    await expect(other.changeState(tokenRef, 'suspend', 'fraud_suspected')).rejects.toMatchObject({
      code: 'ISSUER_FORBIDDEN',
    });
    await expect(
      other.updateArt('us-liberty-visa', {
        background: '#000000',
        foreground: '#ffffff',
        label: 'Not yours',
      }),
    ).rejects.toMatchObject({ code: 'ISSUER_FORBIDDEN' });
    expect(await tokenState()).toBe('active');
  });

  it("pushes the issuer's new card art to the device, which checks its hash", async () => {
    const before = wallet.cards()[0]?.art;
    const out = await cli(
      'issuer',
      'art',
      '--key-file',
      sandboxIssuerKeyFile(deployment.dir, 'us'),
      '--url',
      deployment.baseUrl('us'),
      '--product',
      'us-liberty-visa',
      '--background',
      '#0b3d91',
      '--foreground',
      '#ffd700',
      '--label',
      'Liberty Visa Signature',
    );
    expect(out).toEqual(['us-liberty-visa: new art pushed to 1 token(s)']);
    const handled = await wallet.syncNotifications('us');
    expect(handled.map((h) => [h.notification.data.type, h.outcome])).toEqual([
      ['credential.art.updated', 'handled'],
    ]);
    const art = wallet.cards()[0]?.art;
    const stored = await us()
      .db.selectFrom('credentials')
      .innerJoin('assets', 'assets.id', 'credentials.art_asset_id')
      .select(['assets.id', 'assets.sha256'])
      .where('token_ref', '=', tokenRef)
      .executeTakeFirstOrThrow();
    expect(art).toEqual({
      assetId: stored.id,
      sha256: Buffer.from(stored.sha256, 'base64url').toString('hex'),
    });
    expect(art).not.toEqual(before);
  });

  it('deletes: the applet drops its keys and the card number can no longer be recovered from the vault', async () => {
    const { vault_record_id: recordId } = await us()
      .db.selectFrom('credentials')
      .select('vault_record_id')
      .where('token_ref', '=', tokenRef)
      .executeTakeFirstOrThrow();
    expect((await us().vault.open(us().db, recordId)).pan).toBe(testCard('us', 'green').pan);
    expect((await wallet.deleteCard(tokenRef)).state).toBe('deleted');
    expect(await tokenState()).toBe('deleted');
    await expect(us().vault.open(us().db, recordId)).rejects.toMatchObject({
      code: 'VAULT_RECORD_ERASED',
    });
    expect(
      await us()
        .db.selectFrom('vault_records')
        .select(['wrapped_key', 'erased_at'])
        .where('id', '=', recordId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ wrapped_key: null, erased_at: expect.any(String) as string });
    const { state } = await WalletFile.open(wallet.path, PASSPHRASE);
    const applet = state.secureElement.applets.find((a) => a.tokenRef === tokenRef);
    expect(applet).toMatchObject({ state: 'deleted' });
    expect(applet).not.toHaveProperty('iccMasterKey');
    await expect(
      sandboxIssuer().changeState(tokenRef, 'resume', 'fraud_cleared'),
    ).rejects.toMatchObject({ code: 'CREDENTIAL_STATE' });
  });

  it('delivers every event exactly once by id once the receiver is up, after its first answer fails', async () => {
    await receiver.start();
    await vi.waitFor(
      async () => {
        const pending = await us()
          .db.selectFrom('webhook_deliveries')
          .select('event_id')
          .where('delivered_at', 'is', null)
          .execute();
        expect(pending).toEqual([]);
      },
      { timeout: 10_000, interval: 100 },
    );
    const rows = await us()
      .db.selectFrom('webhook_deliveries')
      .selectAll()
      .orderBy('created_at')
      .execute();
    expect(rows.map((r) => r.type)).toEqual([
      'token.created',
      'token.suspended',
      'token.resumed',
      'token.suspended',
      'token.resumed',
      'token.deleted',
    ]);
    // One 503, then each event once: no event accepted twice, none missing.
    expect(receiver.received).toHaveLength(rows.length + 1);
    expect(receiver.received.filter((r) => r.status === 503)).toHaveLength(1);
    expect([...receiver.accepted].sort()).toEqual(rows.map((r) => r.event_id).sort());
    const events = receiver.received.filter((r) => r.status === 200).map((r) => r.event);
    for (const event of events)
      expect(event).toMatchObject({
        region: 'us',
        issuer: 'sandbox-us',
        token: { tokenRef, productId: 'us-liberty-visa', last4: '1111' },
      });
    expect(
      events
        .filter((e) => e?.type === 'token.suspended')
        .map((e) => [e?.actor, e?.reason])
        .sort(),
    ).toEqual([
      ['device', 'user_request'],
      ['issuer', 'fraud_suspected'],
    ]);
    expect(receiver.received.map((r) => r.body).join('\n')).not.toContain(
      testCard('us', 'green').pan,
    );
  });
});
