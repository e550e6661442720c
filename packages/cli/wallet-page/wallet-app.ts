import { createBrowserWallet, openBrowserWallet, type Wallet } from '@domicile/device/browser';
import {
  currencyOf,
  formatAmount,
  parseAmount,
  type ErrorBody,
  type PublicJwk,
  type api,
} from '@domicile/protocol';
import { pageHooks } from './add-card-hooks.js';
import { renderCards } from './card-list.js';
import { byId, describeError, field, say, showSection } from './page-elements.js';

/** What `domicile wallet serve` tells the page (`/config.json`). */
interface WalletPageConfig {
  readonly bootstrapUrl: string;
  /** The directory authority's public key: the page pins it and verifies the directory with it. */
  readonly authorityKey: PublicJwk;
  readonly regions: readonly { readonly id: string; readonly name: string }[];
  readonly homeRegion?: string;
}

let following: AbortController | undefined;

/** Follows every region's push notifications while the page is open, redrawing the cards. */
function follow(wallet: Wallet): void {
  following?.abort();
  following = new AbortController();
  const log = byId('notifications', HTMLOListElement);
  void wallet
    .followNotifications({
      signal: following.signal,
      onNotification: (handled) => {
        const item = document.createElement('li');
        item.textContent = `${handled.region}: ${handled.notification.data.type} (${handled.outcome})`;
        log.append(item);
        renderCards(wallet);
      },
    })
    .catch((error: unknown) => say(`Notifications stopped: ${describeError(error)}`));
}

function showWallet(wallet: Wallet): void {
  if (wallet.account === undefined) {
    showSection('register');
    return;
  }
  byId('account', HTMLParagraphElement).textContent =
    `Account ${wallet.account.accountId} in ${wallet.homeRegion}; device key ${wallet.deviceJkt}.`;
  renderCards(wallet);
  showSection('wallet');
  follow(wallet);
}

/** One form's submissions, each handled to its end before the next (its button waits). */
function onSubmit(id: string, handle: (data: FormData, form: HTMLFormElement) => Promise<void>) {
  const form = byId(id, HTMLFormElement);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button instanceof HTMLButtonElement) button.disabled = true;
    handle(new FormData(form), form)
      .catch((error: unknown) => say(describeError(error)))
      .finally(() => {
        if (button instanceof HTMLButtonElement) button.disabled = false;
      });
  });
}

function wire(config: WalletPageConfig, current: { wallet?: Wallet }): void {
  const wallet = (): Wallet => {
    if (current.wallet === undefined) throw new Error('no wallet yet');
    return current.wallet;
  };
  onSubmit('setup-form', async (data) => {
    say('Fetching the region directory and checking its signature…');
    current.wallet = await createBrowserWallet({
      authorityKey: config.authorityKey,
      bootstrapUrl: config.bootstrapUrl,
      homeRegion: field(data, 'homeRegion'),
    });
    say('Wallet created: its keys were made in this browser and cannot leave it.');
    showWallet(current.wallet);
  });
  onSubmit('register-form', async (data) => {
    await wallet().register({ name: field(data, 'name'), email: field(data, 'email') });
    say(`Registered in ${wallet().homeRegion}.`);
    showWallet(wallet());
  });
  onSubmit('card-form', async (data, form) => {
    const card = {
      pan: field(data, 'pan'),
      expiry: `${field(data, 'expiryMonth')}/${field(data, 'expiryYear')}`,
      cvv: field(data, 'cvv'),
      name: field(data, 'name'),
    };
    // The card number stays nowhere on the page: it goes only into the JWE for its region.
    form.reset();
    byId('steps', HTMLOListElement).replaceChildren();
    say('Adding the card…');
    const added = await wallet().addCard(card, pageHooks());
    say(`Card •••• ${added.last4} added in ${added.region}: ${added.state.replace('_', ' ')}.`);
    renderCards(wallet());
  });
  onSubmit('pay-form', async (data) => {
    const currency = field(data, 'currency').toUpperCase();
    const request = await wallet().pay({
      card: field(data, 'card'),
      amountMinor: parseAmount(field(data, 'amount'), currencyOf(currency)),
      currency,
      country: field(data, 'country').toUpperCase(),
      merchant: { id: 'wallet-page-shop', name: 'Wallet page shop' },
    });
    // The shop's terminal (the wallet server) hands the request to the card network's router.
    const response = await fetch('/terminal/authorizations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const answer = (await response.json()) as api.AuthorizationResponse | ErrorBody;
    const decision = byId('decision', HTMLParagraphElement);
    if (!('approved' in answer)) {
      decision.textContent = `Not sent: ${answer.error.code}: ${answer.error.message}`;
      return;
    }
    const amount = formatAmount(answer.amount.minor, answer.amount.currency);
    decision.textContent = answer.approved
      ? `Approved by ${answer.region}: ${amount} with token •••• ${answer.tokenLast4} (response code ${answer.responseCode}).`
      : `Declined by ${answer.region} (${answer.reason}): ${amount} (response code ${answer.responseCode}).`;
    decision.dataset['approved'] = String(answer.approved);
    renderCards(wallet());
  });
}

async function start(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as WalletPageConfig;
  const select = byId('home-region', HTMLSelectElement);
  select.replaceChildren(
    ...config.regions.map((region) => {
      const option = document.createElement('option');
      option.value = region.id;
      option.textContent = `${region.name} (${region.id})`;
      option.selected = region.id === config.homeRegion;
      return option;
    }),
  );
  const current: { wallet?: Wallet } = {};
  wire(config, current);
  try {
    current.wallet = await openBrowserWallet();
    showWallet(current.wallet);
  } catch (error) {
    if (
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      error.code === 'WALLET_NOT_FOUND'
    )
      showSection('setup');
    else say(describeError(error));
  }
}

void start();
