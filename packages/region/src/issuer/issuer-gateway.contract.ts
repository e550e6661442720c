import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AccountStanding,
  AuthorizationCheck,
  CardDetailsCheck,
  EligibilityRequest,
  IssuerGateway,
} from './issuer-gateway.js';
import type { OutboxMessage } from './sandbox/issuer-outbox.js';
import { SANDBOX_PRODUCTS, toCardProduct } from './sandbox/sandbox-products.js';
import { SANDBOX_SPEND_LIMIT_MINOR, TEST_CARDS, type TestCard } from './sandbox/test-cards.js';

/** A gateway under test, in front of the sandbox issuer of one region. */
export interface IssuerGatewayHandle {
  readonly gateway: IssuerGateway;
  /** The one-time codes the sandbox behind the gateway was asked to deliver, newest first. */
  delivered(): Promise<readonly OutboxMessage[]>;
  close(): Promise<void>;
}

/** An adapter under test: gateways in front of the sandbox, and, if it can lose it, none. */
export interface IssuerGatewayAdapter {
  open(region: string): Promise<IssuerGatewayHandle>;
  /** A gateway whose issuer does not answer; absent where the issuer cannot be lost (in-process). */
  unanswered?(): Promise<IssuerGateway>;
}

const GOOD: AccountStanding = { activeCredentials: 0, canTransact: true, guest: true };
const REGIONS = [...new Set(TEST_CARDS.map((c) => c.region))];
const PROVISIONABLE = TEST_CARDS.filter((c) => c.outcome !== 'unsupported');
const PAYABLE = TEST_CARDS.filter((c) => c.outcome === 'green' || c.outcome === 'yellow');

function eligibility(card: TestCard, prefixDigits = 8): EligibilityRequest {
  return {
    routingPrefix: card.pan.slice(0, prefixDigits),
    last4: card.pan.slice(-4),
    network: card.network,
    standing: GOOD,
  };
}

function details(card: TestCard): CardDetailsCheck {
  return {
    pan: card.pan,
    expiry: card.expiry,
    cvv: card.cvv,
    name: card.name,
    productId: card.productId ?? '',
  };
}

function payment(card: TestCard, minor: number): AuthorizationCheck {
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

function testCard(find: (c: TestCard) => boolean): TestCard {
  const card = TEST_CARDS.find(find);
  if (card === undefined) throw new Error('no such test card');
  return card;
}

/**
 * The contract of {@link IssuerGateway}, run by every adapter in front of the sandbox issuer:
 * the documented test cards (`test-cards.ts`, the README's table) decide as documented, and each
 * failure the interface documents comes out as its error code, whatever lies between the region
 * and the issuer.
 */
export function describeIssuerGatewayContract(name: string, adapter: IssuerGatewayAdapter): void {
  describe(`issuer gateway contract: ${name}`, () => {
    const handles = new Map<string, IssuerGatewayHandle>();
    const of = (region: string): IssuerGatewayHandle => {
      const handle = handles.get(region);
      if (handle === undefined) throw new Error(`no gateway for ${region}`);
      return handle;
    };
    const issuerOf = (card: TestCard): IssuerGateway => of(card.region).gateway;

    beforeAll(async () => {
      for (const region of REGIONS) handles.set(region, await adapter.open(region));
    });
    afterAll(async () => {
      await Promise.all([...handles.values()].map((h) => h.close()));
    });

    describe('eligibility', () => {
      it('decides every documented test card as documented, in its own region only', async () => {
        for (const card of TEST_CARDS) {
          const elsewhere = of(REGIONS.find((r) => r !== card.region) ?? '').gateway;
          await expect(
            elsewhere.checkEligibility(eligibility(card)),
            card.pan,
          ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
          if (card.outcome === 'unsupported') {
            await expect(
              issuerOf(card).checkEligibility(eligibility(card)),
              card.pan,
            ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
            continue;
          }
          const product = SANDBOX_PRODUCTS.get(card.productId ?? '');
          if (product === undefined) throw new Error(`no product for ${card.pan}`);
          const result = await issuerOf(card).checkEligibility(eligibility(card));
          // Exactly the product: nothing more (its ID&V methods) travels with the decision.
          expect(result, card.pan).toEqual({
            decision: card.outcome,
            product: toCardProduct(product),
            ...(card.outcome === 'green' ? {} : { reason: expect.any(String) as string }),
          });
          if (card.outcome === 'red') expect(result.reason, card.pan).toBe(card.reason);
        }
      });

      it('is not supported for a wrong network or an unknown card', async () => {
        const us = testCard((c) => c.region === 'us' && c.outcome === 'green');
        const mine = issuerOf(us);
        for (const wrong of [
          { network: us.network === 'visa' ? 'mastercard' : 'visa' },
          { last4: String((Number(us.pan.slice(-4)) + 1) % 10_000).padStart(4, '0') },
        ] as const) {
          await expect(
            mine.checkEligibility({ ...eligibility(us), ...wrong }),
          ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
        }
      });

      it('finds a card by a 6-digit routing prefix, and declines an account that cannot transact', async () => {
        for (const card of PAYABLE) {
          const issuer = issuerOf(card);
          expect((await issuer.checkEligibility(eligibility(card, 6))).decision).toBe(card.outcome);
          const barred = await issuer.checkEligibility({
            ...eligibility(card),
            standing: { ...GOOD, canTransact: false },
          });
          expect(barred.decision, card.pan).toBe('red');
        }
      });
    });

    describe('card details', () => {
      it('accepts the documented details of every card that provisions', async () => {
        for (const card of PROVISIONABLE)
          await expect(issuerOf(card).verifyCardDetails(details(card)), card.pan).resolves.toBe(
            undefined,
          );
      });

      it('refuses a wrong CVV, expiry or product and an unknown card, never echoing the number', async () => {
        const card = testCard((c) => c.region === 'eu' && c.outcome === 'green');
        const unsupported = testCard((c) => c.region === 'eu' && c.outcome === 'unsupported');
        const otherProduct = testCard(
          (c) => c.region === 'eu' && c.productId !== undefined && c.productId !== card.productId,
        );
        for (const wrong of [
          { cvv: '000' },
          { cvv: `${card.cvv}0` },
          { expiry: { month: card.expiry.month - 1, year: card.expiry.year } },
          { expiry: { month: 1, year: 2020 } },
          { productId: otherProduct.productId ?? '' },
          { pan: testCard((c) => c.region === 'us').pan },
          { pan: unsupported.pan },
        ]) {
          const error = await issuerOf(card)
            .verifyCardDetails({ ...details(card), ...wrong })
            .catch((e: unknown) => e);
          expect(error, JSON.stringify(Object.keys(wrong))).toMatchObject({
            code: 'CARD_DETAILS_INVALID',
          });
          expect(JSON.stringify(error) + String(error)).not.toContain(card.pan);
        }
      });
    });

    describe('ID&V', () => {
      it("offers the product's masked methods for a card of the product, and nothing for another", async () => {
        for (const card of TEST_CARDS.filter((c) => c.outcome === 'yellow')) {
          const product = SANDBOX_PRODUCTS.get(card.productId ?? '');
          const methods = await issuerOf(card).idvMethods({
            productId: card.productId ?? '',
            last4: card.pan.slice(-4),
          });
          expect(methods, card.pan).toEqual(product?.idvMethods);
          expect(methods.map((m) => m.kind)).toEqual(['otp_sms', 'otp_email', 'issuer_app']);
          // A phone number or an address is shown masked: the device never learns it whole.
          for (const m of methods.filter((m) => m.kind !== 'issuer_app'))
            expect(m.target, card.pan).toContain('•');
        }
        const us = testCard((c) => c.region === 'us' && c.outcome === 'yellow');
        await expect(
          of('cn').gateway.idvMethods({ productId: us.productId ?? '', last4: us.pan.slice(-4) }),
        ).rejects.toMatchObject({ code: 'CARD_NOT_SUPPORTED' });
      });

      it('delivers a one-time code by each method to its target', async () => {
        const card = testCard((c) => c.region === 'cn' && c.outcome === 'yellow');
        const last4 = card.pan.slice(-4);
        const handle = of('cn');
        const methods = await handle.gateway.idvMethods({
          productId: card.productId ?? '',
          last4,
        });
        const before = (await handle.delivered()).length;
        for (const [i, method] of methods.entries())
          await handle.gateway.deliverCode({
            sessionId: `session-000${String(i)}`,
            method,
            last4,
            code: `12345${String(i)}`,
          });
        const outbox = await handle.delivered();
        expect(outbox).toHaveLength(before + methods.length);
        const sent = outbox.slice(0, methods.length).reverse();
        expect(sent.map((m) => [m.channel, m.target, m.last4, m.code])).toEqual([
          ['sms', methods[0]?.target, last4, '123450'],
          ['email', methods[1]?.target, last4, '123451'],
          ['app', methods[2]?.target, last4, '123452'],
        ]);
      });
    });

    describe('authorization', () => {
      it('approves a payable card up to the spend limit and declines above it, or for a closed account', async () => {
        for (const card of PAYABLE) {
          const closed = card.closedAccount === true;
          const issuer = issuerOf(card);
          expect(
            await issuer.authorize(payment(card, SANDBOX_SPEND_LIMIT_MINOR)),
            card.pan,
          ).toEqual(
            closed
              ? { approved: false, reason: 'account_closed' }
              : { approved: true, reason: 'approved' },
          );
          expect(
            await issuer.authorize(payment(card, SANDBOX_SPEND_LIMIT_MINOR + 1)),
            card.pan,
          ).toEqual({ approved: false, reason: closed ? 'account_closed' : 'insufficient_funds' });
        }
      });

      it('does not honour a card that never provisions, of another region or product, or with a wrong expiry', async () => {
        const green = testCard((c) => c.region === 'us' && c.outcome === 'green');
        const dishonoured = { approved: false, reason: 'do_not_honor' };
        for (const card of TEST_CARDS.filter((c) => !PAYABLE.includes(c)))
          expect(await issuerOf(card).authorize(payment(card, 100)), card.pan).toEqual(dishonoured);
        expect(await of('eu').gateway.authorize(payment(green, 100))).toEqual(dishonoured);
        const otherProduct = testCard(
          (c) => c.region === 'us' && c.productId !== undefined && c.productId !== green.productId,
        );
        expect(
          await issuerOf(green).authorize({
            ...payment(green, 100),
            productId: otherProduct.productId ?? '',
          }),
        ).toEqual(dishonoured);
        const expiry = { month: green.expiry.month, year: green.expiry.year + 1 };
        expect(await issuerOf(green).authorize({ ...payment(green, 100), expiry })).toEqual(
          dishonoured,
        );
      });
    });

    it.skipIf(adapter.unanswered === undefined)(
      'is ISSUER_UNAVAILABLE for every operation when the issuer does not answer',
      async () => {
        const silent = await adapter.unanswered?.();
        if (silent === undefined) throw new Error('no unanswered gateway');
        const card = testCard((c) => c.outcome === 'yellow');
        const method = SANDBOX_PRODUCTS.get(card.productId ?? '')?.idvMethods[0];
        if (method === undefined) throw new Error('no ID&V method');
        const calls: Promise<unknown>[] = [
          silent.checkEligibility(eligibility(card)),
          silent.verifyCardDetails(details(card)),
          silent.idvMethods({ productId: card.productId ?? '', last4: card.pan.slice(-4) }),
          silent.deliverCode({
            sessionId: 'session-0001',
            method,
            last4: card.pan.slice(-4),
            code: '123456',
          }),
          silent.authorize(payment(card, 100)),
        ];
        // Caught all at once: a call that fails while another is awaited must not go unhandled.
        const errors = await Promise.all(calls.map((call) => call.catch((e: unknown) => e)));
        for (const error of errors) {
          expect(error).toMatchObject({ code: 'ISSUER_UNAVAILABLE' });
          expect(JSON.stringify(error) + String(error)).not.toContain(card.pan);
        }
      },
    );
  });
}
