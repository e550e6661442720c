import {
  DomicileError,
  countryNumericOf,
  currencyOf,
  terminalElements,
  type api,
  definedProps,
} from '@domicile/protocol';
import { randomBytes, toHex } from './device-bytes.js';
import type { RegionClient } from './region-client.js';
import type { Applet, SecureElement } from './secure-element/index.js';

/** A payment at a terminal or in a merchant's app: what `Wallet.pay` takes. */
export interface PayOptions {
  /** The card: its token reference, or the last 4 digits of the card (when only one card has them). */
  readonly card: string;
  /** Amount in minor units of `currency` (1234 = 12.34 USD). */
  readonly amountMinor: number;
  /** ISO 4217 alpha (`USD`) or numeric (`840`). */
  readonly currency: string;
  /** The terminal's country: ISO 3166-1 alpha-2 (`US`) or numeric (`840`). */
  readonly country: string;
  /** `YYYY-MM-DD`; today (UTC) by default. */
  readonly date?: string;
  /** Transaction type (9C); 0, a purchase, by default. */
  readonly type?: number;
  /** The terminal's unpredictable number (9F37), 4 bytes hex; the SDK draws one when there is no terminal. */
  readonly unpredictableNumber?: string;
  /** At a terminal (`in_store`, the default) or inside a merchant's app (`in_app`). */
  readonly channel?: api.AuthorizationChannel;
  readonly merchant?: api.Merchant;
}

const DEFAULT_MERCHANT: api.Merchant = { id: 'sandbox-merchant', name: 'Sandbox Merchant' };

/** The applet a payment names, by token reference or by the card's last 4 digits. */
export function appletFor(se: SecureElement, card: string): Applet {
  const byRef = se.applet(card);
  if (byRef !== undefined) return byRef;
  const matches = se.applets().filter((a) => a.view().last4 === card && a.state !== 'deleted');
  const [only] = matches;
  if (matches.length > 1)
    throw new DomicileError('VALIDATION_FAILED', {
      details: {
        field: 'card',
        reason: 'several cards end in these digits: use the token reference',
      },
    });
  if (only === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  return only;
}

/**
 * The applet's ARQC for the transaction, as the authorization request the merchant's acquirer
 * sends to the card network (DESIGN step 7). The ATC moves on inside the applet; the caller
 * saves the wallet before the request leaves the device.
 */
export function authorizationRequestFor(
  se: SecureElement,
  options: PayOptions,
): api.AuthorizationRequest {
  const applet = appletFor(se, options.card);
  const channel = options.channel ?? 'in_store';
  const terminal = terminalElements({
    amountMinor: options.amountMinor,
    currency: currencyOf(options.currency).numeric,
    country: countryNumericOf(options.country),
    date: options.date ?? new Date().toISOString().slice(0, 10),
    ...definedProps({ type: options.type }),
    unpredictableNumber: options.unpredictableNumber ?? toHex(randomBytes(4)),
  });
  const ac = applet.generateArqc({ terminal, channel });
  return {
    tokenNumber: ac.tokenNumber,
    tokenExpiry: ac.tokenExpiry,
    panSequenceNumber: ac.panSequenceNumber,
    cvn: 18,
    arqc: ac.arqc,
    emv: ac.emv,
    channel,
    merchant: options.merchant ?? DEFAULT_MERCHANT,
  };
}

/** The authorizations of the device's cards in `regions`, newest first. */
export async function listTransactions(
  clientFor: (region: string) => RegionClient,
  regions: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<api.TransactionView[]> {
  const lists = await Promise.all(regions.map((r) => clientFor(r).transactions(options)));
  return lists.flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
