import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/index.js';
import type { Database } from '../../storage/index.js';
import { describeIssuerGatewayContract } from '../issuer-gateway.contract.js';
import { readOutbox } from './issuer-outbox.js';
import { SandboxIssuer } from './sandbox-issuer.js';
import { TEST_CARDS, type TestCard } from './test-cards.js';

describeIssuerGatewayContract('sandbox', {
  open: async (region) => {
    const db = await openDatabase('sqlite::memory:');
    return {
      gateway: new SandboxIssuer({ region, db }),
      delivered: () => readOutbox(db, { limit: 100 }),
      close: () => db.destroy(),
    };
  },
});

function card(pan: string): TestCard {
  const found = TEST_CARDS.find((c) => c.pan === pan);
  if (found === undefined) throw new Error('no such test card');
  return found;
}

describe('SandboxIssuer', () => {
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('refuses an expired card', async () => {
    const expired = { ...card('4111111111111111'), expiry: { month: 1, year: 2020 } };
    const issuer = new SandboxIssuer({ region: 'us', db, cards: [expired] });
    const details = {
      pan: expired.pan,
      expiry: expired.expiry,
      cvv: expired.cvv,
      name: expired.name,
      productId: expired.productId ?? '',
    };
    await expect(issuer.verifyCardDetails(details)).rejects.toMatchObject({
      code: 'CARD_DETAILS_INVALID',
    });
  });

  it('keeps delivered codes in the outbox, newest first, and by card', async () => {
    const issuer = new SandboxIssuer({ region: 'cn', db });
    const methods = await issuer.idvMethods({ productId: 'cn-jade-unionpay', last4: '2025' });
    const [sms, email] = methods;
    if (sms === undefined || email === undefined) throw new Error('methods missing');
    await issuer.deliverCode({
      sessionId: 'session-0001',
      method: sms,
      last4: '2025',
      code: '123456',
    });
    await issuer.deliverCode({
      sessionId: 'session-0002',
      method: email,
      last4: '2015',
      code: '654321',
    });
    const all = await readOutbox(db, { limit: 10 });
    expect(all.map((m) => [m.channel, m.code])).toEqual([
      ['email', '654321'],
      ['sms', '123456'],
    ]);
    expect(all[1]).toMatchObject({ target: sms.target, last4: '2025' });
    expect(await readOutbox(db, { limit: 10, last4: '2025' })).toHaveLength(1);
    expect(await readOutbox(db, { limit: 1 })).toHaveLength(1);
  });
});
