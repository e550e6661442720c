import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../storage/index.js';
import type { AuthorizationCheck } from '../issuer-gateway.js';
import { SandboxIssuer } from './sandbox-issuer.js';
import { SANDBOX_SPEND_LIMIT_MINOR, TEST_CARDS, type TestCard } from './test-cards.js';

let db: Kysely<Database>;
beforeAll(async () => {
  db = await openDatabase('sqlite::memory:');
});
afterAll(async () => {
  await db.destroy();
});

function check(card: TestCard, minor: number): AuthorizationCheck {
  return {
    authorizationId: 'auth-0123456789',
    pan: card.pan,
    expiry: card.expiry,
    productId: card.productId ?? '',
    amount: { minor, currency: '840' },
    merchant: { id: 'm-1', name: 'Shop' },
    country: '840',
    channel: 'in_store',
  };
}

describe('SandboxIssuer.authorize', () => {
  it('approves every provisionable card up to the limit and declines above it, unless its account is closed', async () => {
    const payable = TEST_CARDS.filter((c) => c.outcome === 'green' || c.outcome === 'yellow');
    expect(
      payable
        .filter((c) => c.closedAccount === true)
        .map((c) => c.region)
        .sort(),
    ).toEqual(['cn', 'eu', 'us']);
    for (const card of payable) {
      const issuer = new SandboxIssuer({ region: card.region, db });
      const closed = card.closedAccount === true;
      expect(await issuer.authorize(check(card, SANDBOX_SPEND_LIMIT_MINOR)), card.pan).toEqual(
        closed
          ? { approved: false, reason: 'account_closed' }
          : { approved: true, reason: 'approved' },
      );
      expect(await issuer.authorize(check(card, SANDBOX_SPEND_LIMIT_MINOR + 1))).toEqual({
        approved: false,
        reason: closed ? 'account_closed' : 'insufficient_funds',
      });
      expect(card.description).toMatch(closed ? /account_closed/ : /insufficient_funds/);
    }
  });

  it('does not honour a card of another region, another product, a wrong expiry or one that never provisions', async () => {
    const [green] = TEST_CARDS;
    const red = TEST_CARDS.find((c) => c.region === 'us' && c.outcome === 'red');
    if (green === undefined || red === undefined) throw new Error('test cards');
    const us = new SandboxIssuer({ region: 'us', db });
    const dishonoured = { approved: false, reason: 'do_not_honor' };
    expect(await new SandboxIssuer({ region: 'eu', db }).authorize(check(green, 100))).toEqual(
      dishonoured,
    );
    expect(
      await us.authorize({ ...check(green, 100), productId: 'us-prairie-mastercard' }),
    ).toEqual(dishonoured);
    expect(await us.authorize({ ...check(green, 100), expiry: { month: 1, year: 2031 } })).toEqual(
      dishonoured,
    );
    expect(await us.authorize(check(red, 100))).toEqual(dishonoured);
  });
});
