import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/index.js';
import type { Database } from '../../storage/index.js';
import type { AccountStanding } from '../issuer-gateway.js';
import { readOutbox } from './issuer-outbox.js';
import { SandboxIssuer } from './sandbox-issuer.js';
import { TEST_CARDS, type TestCard } from './test-cards.js';

const GOOD: AccountStanding = { activeCredentials: 0, canTransact: true, guest: false };

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

  it('decides every documented test card as documented, in its own region only', async () => {
    for (const c of TEST_CARDS) {
      const issuer = new SandboxIssuer({ region: c.region, db });
      const req = {
        routingPrefix: c.pan.slice(0, 8),
        last4: c.pan.slice(-4),
        network: c.network,
        standing: GOOD,
      };
      if (c.outcome === 'unsupported') {
        await expect(issuer.checkEligibility(req)).rejects.toMatchObject({
          code: 'CARD_NOT_SUPPORTED',
        });
      } else {
        const result = await issuer.checkEligibility(req);
        expect(result.decision).toBe(c.outcome);
        expect(result.product.id).toBe(c.productId);
        expect(result.product).not.toHaveProperty('idvMethods');
        if (c.outcome === 'red') expect(result.reason).toBe(c.reason);
      }
      const elsewhere = new SandboxIssuer({ region: c.region === 'us' ? 'eu' : 'us', db });
      await expect(elsewhere.checkEligibility(req)).rejects.toMatchObject({
        code: 'CARD_NOT_SUPPORTED',
      });
    }
  });

  it('finds a card by a 6-digit routing prefix, and refuses a wrong network or an unknown card', async () => {
    const issuer = new SandboxIssuer({ region: 'us', db });
    const base = {
      routingPrefix: '411111',
      last4: '1111',
      network: 'visa',
      standing: GOOD,
    } as const;
    expect((await issuer.checkEligibility(base)).decision).toBe('green');
    await expect(issuer.checkEligibility({ ...base, network: 'mastercard' })).rejects.toMatchObject(
      { code: 'CARD_NOT_SUPPORTED' },
    );
    await expect(issuer.checkEligibility({ ...base, last4: '1112' })).rejects.toMatchObject({
      code: 'CARD_NOT_SUPPORTED',
    });
  });

  it('declines an account that cannot transact', async () => {
    const issuer = new SandboxIssuer({ region: 'us', db });
    const result = await issuer.checkEligibility({
      routingPrefix: '41111111',
      last4: '1111',
      network: 'visa',
      standing: { ...GOOD, canTransact: false },
    });
    expect(result.decision).toBe('red');
  });

  it('verifies card details: CVV, expiry and product must match', async () => {
    const issuer = new SandboxIssuer({ region: 'eu', db });
    const c = card('4500123456781019');
    const details = {
      pan: c.pan,
      expiry: c.expiry,
      cvv: c.cvv,
      name: c.name,
      productId: c.productId ?? '',
    };
    await expect(issuer.verifyCardDetails(details)).resolves.toBeUndefined();
    for (const wrong of [
      { cvv: '000' },
      { cvv: '3210' },
      { expiry: { month: 11, year: 2030 } },
      { productId: 'eu-nordlicht-mastercard' },
      { pan: '4111111111111111' },
      { pan: card('4799001234561046').pan },
    ]) {
      const error = await issuer
        .verifyCardDetails({ ...details, ...wrong })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CARD_DETAILS_INVALID' });
      expect(JSON.stringify(error)).not.toContain(c.pan);
    }
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

  it('offers masked ID&V methods and delivers codes to the outbox', async () => {
    const issuer = new SandboxIssuer({ region: 'cn', db });
    const methods = await issuer.idvMethods({ productId: 'cn-jade-unionpay', last4: '2025' });
    expect(methods.map((m) => m.kind)).toEqual(['otp_sms', 'otp_email', 'issuer_app']);
    await expect(
      issuer.idvMethods({ productId: 'us-liberty-visa', last4: '1111' }),
    ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
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
