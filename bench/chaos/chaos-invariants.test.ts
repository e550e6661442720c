import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import { openDatabase, type Database } from '@domicile/region';
import { credentialRow, transactionRow, webhookDeliveryRow } from '@domicile/region/testing';
import { checkRegion } from './chaos-invariants.js';

const answer = (id: string, approved = true): api.AuthorizationResponse => ({
  authorizationId: id,
  region: 'us',
  approved,
  reason: approved ? 'approved' : 'atc_replayed',
  responseCode: approved ? '00' : '82',
  tokenLast4: '0010',
  atc: 1,
  amount: { minor: 100, currency: '840' },
  createdAt: '2026-12-01T03:00:00.000Z',
});

describe('the chaos run invariants', () => {
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('hold for an active completed token and an approval its acquirer got', async () => {
    const credential = credentialRow({ state: 'active' });
    await db.insertInto('credentials').values(credential).execute();
    const approval = transactionRow({ credential_id: credential.id, atc: 1 });
    await db.insertInto('transactions').values(approval).execute();
    expect(
      await checkRegion('us', db, {
        cards: [{ region: 'us', tokenRef: credential.token_ref, expected: 'active' }],
        answers: [answer(approval.id)],
        webhooks: new Set(),
        devices: [],
      }),
    ).toEqual([]);
  });

  it('name a lost token, a token left active after its device was reported lost, two live tokens of one card, an ATC approved twice and unmatched approvals', async () => {
    const credential = credentialRow({ state: 'active' });
    const second = credentialRow({
      device_id: credential.device_id,
      pan_hash: credential.pan_hash,
      state: 'suspended',
    });
    // The schema refuses a second live token itself: without its index the check must see one.
    await db.schema.dropIndex('credentials_live_card_unique').execute();
    const reported = credentialRow({ state: 'active' });
    await db.insertInto('credentials').values([credential, second, reported]).execute();
    const twice = [1, 2].map(() => transactionRow({ credential_id: credential.id, atc: 7 }));
    await db.insertInto('transactions').values(twice).execute();
    const webhooks = [
      webhookDeliveryRow({ event_id: 'received', delivered_at: '2026-12-01T03:00:01.000Z' }),
      webhookDeliveryRow({ event_id: 'queued', delivered_at: null }),
      webhookDeliveryRow({ event_id: 'unheard', delivered_at: '2026-12-01T03:00:02.000Z' }),
    ];
    await db.insertInto('webhook_deliveries').values(webhooks).execute();
    const violations = await checkRegion('us', db, {
      cards: [
        { region: 'us', tokenRef: 'lost-token-ref', expected: 'active' },
        { region: 'us', tokenRef: reported.token_ref, expected: 'suspended' },
        { region: 'us', tokenRef: second.token_ref, expected: 'either' },
      ],
      answers: [answer(twice[0]?.id ?? ''), answer('never-recorded')],
      webhooks: new Set(['received']),
      devices: [],
    });
    expect(violations).toEqual([
      'us: completed token lost-token-ref is missing, not active',
      `us: completed token ${reported.token_ref} is active, not suspended`,
      `us: device ${credential.device_id} holds 2 live tokens of one card`,
      `us: ATC 7 of credential ${credential.id} approved twice`,
      `us: approval ${twice[1]?.id ?? ''} never reached an acquirer`,
      'us: answered approval never-recorded is not recorded',
      'us: webhook queued not delivered',
      'us: webhook unheard marked delivered, never received',
    ]);
  });
});
