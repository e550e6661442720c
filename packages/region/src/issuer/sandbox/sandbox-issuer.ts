import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomicileError, isExpired, type api } from '@domicile/protocol';
import type { Database } from '../../storage/index.js';
import type {
  AuthorizationCheck,
  AuthorizationDecision,
  CardDetailsCheck,
  CardProduct,
  CodeDelivery,
  EligibilityRequest,
  EligibilityResult,
  IdvMethodsRequest,
  IssuerGateway,
} from '../issuer-gateway.js';
import { channelOf, writeOutbox } from './issuer-outbox.js';
import { SANDBOX_PRODUCTS, toCardProduct, type SandboxProduct } from './sandbox-products.js';
import { SANDBOX_SPEND_LIMIT_MINOR, TEST_CARDS, type TestCard } from './test-cards.js';

/** Options of {@link SandboxIssuer}. */
export interface SandboxIssuerOptions {
  /** The region this issuer serves: only that region's test cards exist for it. */
  readonly region: string;
  /** Where delivered one-time codes go (`issuer_outbox`). */
  readonly db: Kysely<Database>;
  /** Test cards, all regions; defaults to the documented {@link TEST_CARDS}. */
  readonly cards?: readonly TestCard[];
  /** Products by id; defaults to {@link SANDBOX_PRODUCTS}. */
  readonly products?: ReadonlyMap<string, SandboxProduct>;
}

/**
 * The built-in issuer of a region: decides by the documented test cards and "sends" one-time
 * codes to the `issuer_outbox` table, where the CLI reads them. Any other card is not supported.
 */
export class SandboxIssuer implements IssuerGateway {
  readonly #db: Kysely<Database>;
  readonly #cards: readonly TestCard[];
  readonly #products: ReadonlyMap<string, SandboxProduct>;

  constructor(options: SandboxIssuerOptions) {
    this.#db = options.db;
    this.#cards = (options.cards ?? TEST_CARDS).filter((card) => card.region === options.region);
    this.#products = options.products ?? SANDBOX_PRODUCTS;
  }

  checkEligibility(req: EligibilityRequest): Promise<EligibilityResult> {
    // The routing prefix is 6 to 8 digits; test cards are unique by their first 6 and last 4.
    const matches = this.#cards.filter(
      (c) => c.pan.startsWith(req.routingPrefix) && c.pan.endsWith(req.last4),
    );
    const card = matches.length === 1 ? matches[0] : undefined;
    if (card === undefined || card.network !== req.network || card.outcome === 'unsupported')
      return notSupported();
    const product = this.#productOf(card);
    if (product === undefined) return notSupported();
    const result = ((): EligibilityResult => {
      if (!req.standing.canTransact)
        return { decision: 'red', reason: 'The account cannot transact.', product };
      switch (card.outcome) {
        case 'red':
          return { decision: 'red', reason: card.reason ?? 'Declined by the issuer.', product };
        case 'yellow':
          return {
            decision: 'yellow',
            reason: 'The issuer needs to verify your identity.',
            product,
          };
        case 'green':
          return { decision: 'green', product };
      }
    })();
    return Promise.resolve(result);
  }

  verifyCardDetails(req: CardDetailsCheck): Promise<void> {
    const card = this.#cards.find((c) => c.pan === req.pan);
    // The name is not compared: like most issuers, the sandbox relies on CVV and expiry.
    const valid =
      card !== undefined &&
      card.outcome !== 'unsupported' &&
      card.productId === req.productId &&
      sameSecret(card.cvv, req.cvv) &&
      card.expiry.month === req.expiry.month &&
      card.expiry.year === req.expiry.year &&
      !isExpired(req.expiry);
    return valid ? Promise.resolve() : Promise.reject(new DomicileError('CARD_DETAILS_INVALID'));
  }

  idvMethods(req: IdvMethodsRequest): Promise<api.IdvMethod[]> {
    const card = this.#cards.find(
      (c) => c.productId === req.productId && c.pan.endsWith(req.last4),
    );
    const product = card === undefined ? undefined : this.#products.get(req.productId);
    if (product === undefined) return notSupported();
    return Promise.resolve(product.idvMethods.map((method) => ({ ...method })));
  }

  async deliverCode(req: CodeDelivery): Promise<void> {
    await writeOutbox(this.#db, {
      channel: channelOf(req.method.kind),
      target: req.method.target,
      last4: req.last4,
      code: req.code,
      sessionId: req.sessionId,
    });
  }

  /** Decides by the rule documented with {@link SANDBOX_SPEND_LIMIT_MINOR} and `closedAccount`. */
  authorize(req: AuthorizationCheck): Promise<AuthorizationDecision> {
    const card = this.#cards.find((c) => c.pan === req.pan);
    const known =
      card !== undefined &&
      card.productId === req.productId &&
      (card.outcome === 'green' || card.outcome === 'yellow') &&
      card.expiry.month === req.expiry.month &&
      card.expiry.year === req.expiry.year &&
      !isExpired(card.expiry);
    const decision = ((): AuthorizationDecision => {
      if (!known) return { approved: false, reason: 'do_not_honor' };
      if (card.closedAccount === true) return { approved: false, reason: 'account_closed' };
      if (req.amount.minor > SANDBOX_SPEND_LIMIT_MINOR)
        return { approved: false, reason: 'insufficient_funds' };
      return { approved: true, reason: 'approved' };
    })();
    return Promise.resolve(decision);
  }

  #productOf(card: TestCard): CardProduct | undefined {
    const product = card.productId === undefined ? undefined : this.#products.get(card.productId);
    return product === undefined ? undefined : toCardProduct(product);
  }
}

function notSupported(): Promise<never> {
  return Promise.reject(new DomicileError('CARD_NOT_SUPPORTED'));
}

// Constant time, so the sandbox does not teach a timing side channel by example.
function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
