import type { api } from '@domicile/protocol';
import type { TransportSettings } from './region-transport.js';

/**
 * What the wallet reports while it adds a card, in order, for a CLI or demo to narrate. No event
 * carries a card number, CVV, code or key: cards appear by last 4 digits, keys by `kid`.
 */
export type ProvisioningStep =
  | {
      readonly step: 'message';
      readonly region: string;
      readonly routingPrefix: string;
      readonly last4: string;
      readonly network: string;
    }
  | {
      readonly step: 'redirect';
      readonly from: string;
      readonly to: string;
      readonly baseUrl: string;
    }
  | { readonly step: 'session'; readonly region: string; readonly sessionId: string }
  | {
      readonly step: 'eligibility';
      readonly region: string;
      readonly decision: api.Decision | undefined;
    }
  | {
      readonly step: 'terms';
      readonly region: string;
      readonly termsId: string;
      readonly accepted: boolean;
    }
  | { readonly step: 'card-details'; readonly region: string; readonly encryptedTo: string }
  | {
      readonly step: 'push-payload';
      readonly region: string;
      /** The issuer the payload names (checked by the region, not by the wallet). */
      readonly issuer: string;
    }
  | {
      readonly step: 'idv';
      readonly region: string;
      readonly method: string;
      readonly kind: api.IdvMethod['kind'];
      readonly target: string;
    }
  | { readonly step: 'idv-retry'; readonly region: string; readonly triesLeft: number | undefined }
  | { readonly step: 'idv-verified'; readonly region: string }
  | {
      readonly step: 'tokenized';
      readonly region: string;
      readonly tokenRef: string;
      readonly tokenLast4: string;
    }
  | { readonly step: 'waiting'; readonly region: string; readonly tokenRef: string }
  | {
      readonly step: 'card-art';
      readonly region: string;
      readonly tokenRef: string;
      readonly assetId: string;
      readonly bytes: number;
    }
  | {
      readonly step: 'script';
      readonly region: string;
      readonly tokenRef: string;
      readonly scriptId: string;
    }
  | { readonly step: 'active'; readonly region: string; readonly tokenRef: string }
  | { readonly step: 'activation-pending'; readonly region: string; readonly tokenRef: string };

/** The names of the steps, for a caller that wants to switch on them. */
export type ProvisioningStepName = ProvisioningStep['step'];

/** Where an ID&V code is being asked for. */
export interface IdvContext {
  readonly region: string;
  /** The provisioning region's base URL from the directory (the sandbox outbox lives there). */
  readonly baseUrl: string;
  /** The wallet's fetch and retries, for a hook that calls the region itself. */
  readonly transport: TransportSettings;
  readonly sessionId: string;
  readonly last4: string;
  readonly method: api.IdvMethod;
  /** As the region last reported it; undefined before the first attempt if it did not say. */
  readonly triesLeft: number | undefined;
  /** 1 for the first code asked for. */
  readonly attempt: number;
}

/** The user's part in adding a card. */
export interface AddCardHooks {
  /** Shows the issuer's terms; true to accept. Declining ends provisioning. */
  acceptTerms(
    terms: api.TermsView,
    context: { readonly region: string; readonly last4: string },
  ): Promise<boolean>;
  /** Picks one of the offered ID&V methods by id. */
  chooseIdvMethod(
    methods: readonly api.IdvMethod[],
    context: Pick<IdvContext, 'region' | 'baseUrl' | 'transport' | 'last4'>,
  ): Promise<string>;
  /** Returns the one-time code the user received (six digits); asked again after a wrong code. */
  readOtp(context: IdvContext): Promise<string>;
  onStep?(event: ProvisioningStep): void;
}
