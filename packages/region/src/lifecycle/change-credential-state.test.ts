import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairJwk, isDomicileError } from '@domicile/protocol';
import type { Region } from '../region-server.js';
import { webhookEventColumn } from '../webhooks/index.js';
import { applyCredentialStateChange, changeCredentialState } from './change-credential-state.js';
import { lifecycleRegion, notificationsOf, seedCredential } from './lifecycle.fixtures.js';

let region: Region;
const auditOf = async (tokenRef: string): Promise<string[]> =>
  (
    await region.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject', '=', tokenRef)
      .orderBy('id')
      .execute()
  ).map((r) => r.action);
const webhooks = async (): Promise<{ type: string; issuer_id: string; payload: string }[]> =>
  region.context.db
    .selectFrom('webhook_deliveries')
    .select(['type', 'issuer_id', 'payload'])
    .orderBy('created_at')
    .orderBy('type')
    .execute();

describe('changeCredentialState', () => {
  beforeEach(async () => {
    const liberty = await generateKeyPairJwk('sig');
    region = await lifecycleRegion([
      {
        id: 'liberty',
        publicKey: liberty.publicJwk,
        webhookUrl: 'http://127.0.0.1:1/hooks',
        productIds: ['us-liberty-visa'],
      },
      {
        id: 'prairie',
        publicKey: (await generateKeyPairJwk('sig')).publicJwk,
        productIds: ['us-prairie-mastercard'],
      },
    ]);
  });
  afterEach(async () => {
    await region.close();
  });

  it('suspends and resumes, with a push notification, a webhook and an audit entry for each change', async () => {
    const { credential } = await seedCredential(region);
    const ref = credential.token_ref;
    const suspended = await changeCredentialState(region.context, {
      tokenRef: ref,
      action: 'suspend',
      actor: 'device',
      reason: 'user_request',
      actorId: 'd1',
    });
    expect(suspended).toMatchObject({
      changed: true,
      productId: 'us-liberty-visa',
      credential: { state: 'suspended' },
    });
    const again = await changeCredentialState(region.context, {
      tokenRef: ref,
      action: 'suspend',
      actor: 'device',
      reason: 'user_request',
    });
    expect(again).toMatchObject({ changed: false, credential: { state: 'suspended' } });
    await changeCredentialState(region.context, {
      tokenRef: ref,
      action: 'resume',
      actor: 'device',
      reason: 'user_request',
    });

    expect(await notificationsOf(region, credential.device_id)).toEqual([
      { type: 'credential.suspended', tokenRef: ref, actor: 'device', reason: 'user_request' },
      {
        type: 'credential.resumed',
        tokenRef: ref,
        actor: 'device',
        reason: 'user_request',
        state: 'active',
      },
    ]);
    expect(await auditOf(ref)).toEqual(['credential.suspend', 'credential.resume']);
    const events = (await webhooks()).map((w) => ({
      type: w.type,
      issuer: w.issuer_id,
      event: webhookEventColumn.decode(w.payload),
    }));
    expect(events.map((e) => e.type).sort()).toEqual([
      'token.created',
      'token.resumed',
      'token.suspended',
    ]);
    expect(events.find((e) => e.type === 'token.suspended')?.event).toMatchObject({
      issuer: 'liberty',
      region: 'us',
      actor: 'device',
      reason: 'user_request',
      token: { tokenRef: ref, productId: 'us-liberty-visa', last4: '1111', state: 'suspended' },
    });
    expect(JSON.stringify(events)).not.toContain(credential.token_number);
  });

  it("keeps a suspension by the issuer out of the device's reach, and lets the issuer lift it", async () => {
    const { credential } = await seedCredential(region);
    const ref = credential.token_ref;
    await changeCredentialState(region.context, {
      tokenRef: ref,
      action: 'suspend',
      actor: 'device',
      reason: 'user_request',
    });
    // The issuer suspending a device-suspended token takes the suspension over, without a second notification.
    expect(
      await changeCredentialState(region.context, {
        tokenRef: ref,
        action: 'suspend',
        actor: 'issuer',
        reason: 'fraud_suspected',
      }),
    ).toMatchObject({ changed: false });
    const refused = await changeCredentialState(region.context, {
      tokenRef: ref,
      action: 'resume',
      actor: 'device',
      reason: 'user_request',
    }).catch((e: unknown) => e);
    expect(isDomicileError(refused, 'RESUME_NOT_ALLOWED')).toBe(true);
    await changeCredentialState(region.context, {
      tokenRef: ref,
      action: 'resume',
      actor: 'issuer',
      reason: 'fraud_cleared',
    });
    expect((await notificationsOf(region, credential.device_id)).map((n) => n.type)).toEqual([
      'credential.suspended',
      'credential.resumed',
    ]);
    expect(await auditOf(ref)).toEqual([
      'credential.suspend',
      'credential.suspension_taken_over',
      'credential.resume',
    ]);
  });

  it('resumes a token suspended before activation to pending activation', async () => {
    const { credential } = await seedCredential(region, { state: 'pending_activation' });
    await changeCredentialState(region.context, {
      tokenRef: credential.token_ref,
      action: 'suspend',
      actor: 'system',
      reason: 'device_lost',
    });
    const resumed = await changeCredentialState(region.context, {
      tokenRef: credential.token_ref,
      action: 'resume',
      actor: 'system',
      reason: 'device_found',
    });
    expect(resumed.credential.state).toBe('pending_activation');
    expect((await notificationsOf(region, credential.device_id)).at(-1)).toMatchObject({
      type: 'credential.resumed',
      state: 'pending_activation',
    });
  });

  it('deletes for good: the vault record is crypto-shredded and nothing but delete applies any more', async () => {
    const { credential, pan } = await seedCredential(region);
    const { vault, db } = region.context;
    expect((await vault.open(db, credential.vault_record_id)).pan).toBe(pan);
    await changeCredentialState(region.context, {
      tokenRef: credential.token_ref,
      action: 'delete',
      actor: 'issuer',
      reason: 'account_closed',
    });
    await expect(vault.open(db, credential.vault_record_id)).rejects.toMatchObject({
      code: 'VAULT_RECORD_ERASED',
    });
    expect(
      await db
        .selectFrom('vault_records')
        .select('wrapped_key')
        .where('id', '=', credential.vault_record_id)
        .executeTakeFirst(),
    ).toEqual({ wrapped_key: null });
    expect(
      await changeCredentialState(region.context, {
        tokenRef: credential.token_ref,
        action: 'delete',
        actor: 'device',
        reason: 'user_request',
      }),
    ).toMatchObject({ changed: false, credential: { state: 'deleted' } });
    for (const action of ['suspend', 'resume'] as const) {
      const error = await changeCredentialState(region.context, {
        tokenRef: credential.token_ref,
        action,
        actor: 'issuer',
        reason: 'x',
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CREDENTIAL_STATE', details: { state: 'deleted' } });
    }
    expect((await notificationsOf(region, credential.device_id)).map((n) => n.type)).toEqual([
      'credential.deleted',
    ]);
  });

  it("runs inside a caller's transaction: when the caller rolls back, nothing of the change remains", async () => {
    const { credential, pan } = await seedCredential(region);
    const { db, vault } = region.context;
    const failed = db.transaction().execute(async (trx) => {
      const applied = await applyCredentialStateChange(trx, region.context, {
        tokenRef: credential.token_ref,
        action: 'delete',
        actor: 'system',
        reason: 'device_lost',
      });
      expect(applied).toMatchObject({
        changed: true,
        webhookQueued: true,
        credential: { state: 'deleted' },
      });
      throw new Error('the caller fails after the change');
    });
    await expect(failed).rejects.toThrow('the caller fails');
    expect(
      await db
        .selectFrom('credentials')
        .select('state')
        .where('id', '=', credential.id)
        .executeTakeFirst(),
    ).toEqual({ state: 'active' });
    expect((await vault.open(db, credential.vault_record_id)).pan).toBe(pan);
    expect(await notificationsOf(region, credential.device_id)).toEqual([]);
    expect((await webhooks()).map((w) => w.type)).toEqual(['token.created']);
    expect(await auditOf(credential.token_ref)).toEqual([]);
  });

  it('makes one change when two race for the same token', async () => {
    const { credential } = await seedCredential(region);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        changeCredentialState(region.context, {
          tokenRef: credential.token_ref,
          action: 'suspend',
          actor: 'device',
          reason: 'user_request',
        }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await notificationsOf(region, credential.device_id)).toHaveLength(1);
  });

  it('queues no webhook for an issuer without a webhook URL, and refuses unknown tokens and malformed reasons', async () => {
    const { credential } = await seedCredential(region, {
      productId: 'us-prairie-mastercard',
      pan: '5100123456780053',
    });
    await changeCredentialState(region.context, {
      tokenRef: credential.token_ref,
      action: 'suspend',
      actor: 'issuer',
      reason: 'fraud_suspected',
    });
    expect((await webhooks()).filter((w) => w.issuer_id === 'prairie')).toEqual([]);
    await expect(
      changeCredentialState(region.context, {
        tokenRef: 'no-such-token',
        action: 'suspend',
        actor: 'system',
        reason: 'device_lost',
      }),
    ).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    await expect(
      changeCredentialState(region.context, {
        tokenRef: credential.token_ref,
        action: 'delete',
        actor: 'system',
        reason: 'Card 4111 lost',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'reason' } });
  });
});
