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
  readonly art: { readonly background: string; readonly foreground: string; readonly label: string };
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
}
