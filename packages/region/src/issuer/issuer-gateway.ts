import type { CardNetwork, api } from '@domicile/protocol';

/**
 * A card product as its issuer describes it: who to call, which terms the cardholder accepts,
 * and the colours of the card art. Never holds a card number.
 */
export interface CardProduct {
  readonly id: string;
  readonly issuerName: string;
  readonly phone: string;
  readonly email: string;
  readonly website: string;
  readonly termsUrl: string;
  readonly terms: { readonly id: string; readonly text: string };
  /** `background` and `foreground` are `#rrggbb`; `label` is the product name printed on the art. */
  readonly art: {
    readonly background: string;
    readonly foreground: string;
    readonly label: string;
  };
}

/** What the region knows of the account asking to provision: the issuer's risk input. */
export interface AccountStanding {
  readonly activeCredentials: number;
  readonly canTransact: boolean;
  /** A guest account: the user is registered in another (home) region. */
  readonly guest: boolean;
}

/** Eligibility asks by routing prefix and last 4 digits only (DESIGN: Residency). */
export interface EligibilityRequest {
  readonly routingPrefix: string;
  readonly last4: string;
  readonly network: CardNetwork;
  readonly standing: AccountStanding;
}

/** The issuer's provisioning decision: green (go), yellow (ID&V first) or red (declined). */
export interface EligibilityResult {
  readonly decision: api.Decision;
  /** Why a card was declined (or stepped up): short text fit to show the user. */
  readonly reason?: string;
  readonly product: CardProduct;
}

/** The card details to check against the issuer's records. Never logged or stored as given. */
export interface CardDetailsCheck {
  readonly pan: string;
  readonly expiry: { readonly month: number; readonly year: number };
  readonly cvv: string;
  readonly name: string;
  readonly productId: string;
}

export interface IdvMethodsRequest {
  readonly productId: string;
  readonly last4: string;
}

/** A one-time code that the region generated and the issuer delivers to the cardholder. */
export interface CodeDelivery {
  readonly sessionId: string;
  readonly method: api.IdvMethod;
  readonly last4: string;
  readonly code: string;
}

/**
 * An authorization for the issuer to decide: the card, de-tokenized inside the region, and what
 * the cardholder is paying. Never logged or stored as given.
 */
export interface AuthorizationCheck {
  /** The region's id for this authorization, also the issuer's reference to it. */
  readonly authorizationId: string;
  readonly pan: string;
  readonly expiry: { readonly month: number; readonly year: number };
  readonly productId: string;
  /** Minor units of an ISO 4217 numeric currency. */
  readonly amount: { readonly minor: number; readonly currency: string };
  readonly merchant: { readonly id: string; readonly name: string };
  /** ISO 3166-1 numeric code of the terminal's country. */
  readonly country: string;
  readonly channel: 'in_store' | 'in_app';
}

/** Why an issuer declines: funds, a closed account, or no reason given. */
export type IssuerDeclineReason = 'insufficient_funds' | 'account_closed' | 'do_not_honor';

/** The issuer's authorization decision. */
export type AuthorizationDecision =
  | { readonly approved: true; readonly reason: 'approved' }
  | { readonly approved: false; readonly reason: IssuerDeclineReason };

/**
 * The region's link to issuers (DESIGN: issuer gateway). Adapters: the built-in sandbox issuer
 * and an HTTP client for a real issuer; both honour this contract.
 */
export interface IssuerGateway {
  /**
   * The provisioning decision and card product for a card.
   * @throws DomicileError `CARD_NOT_SUPPORTED` when the issuer does not take part in wallets.
   */
  checkEligibility(req: EligibilityRequest): Promise<EligibilityResult>;
  /**
   * Checks the full card details (CVV, expiry) against the issuer's records.
   * @throws DomicileError `CARD_DETAILS_INVALID` on a wrong CVV, an expired or an unknown card.
   */
  verifyCardDetails(req: CardDetailsCheck): Promise<void>;
  /**
   * The ID&V methods the issuer offers for a card, with masked targets. Asynchronous, unlike
   * a table lookup, because a real issuer looks the cardholder's contacts up remotely.
   */
  idvMethods(req: IdvMethodsRequest): Promise<api.IdvMethod[]>;
  /** Delivers a one-time code by the chosen method (SMS, e-mail or the issuer's app). */
  deliverCode(req: CodeDelivery): Promise<void>;
  /**
   * Decides an authorization for a card of this region (DESIGN step 7): approve, or decline with
   * a reason. A decline is an answer, not an error.
   * @throws DomicileError `ISSUER_UNAVAILABLE` when the issuer does not answer.
   */
  authorize(req: AuthorizationCheck): Promise<AuthorizationDecision>;
}
