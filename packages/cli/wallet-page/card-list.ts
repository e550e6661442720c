import type { AppletView, Wallet } from '@domicile/device/browser';
import { byId, describeError, say } from './page-elements.js';

/** Card art as object URLs, by asset and hash: fetched and checked once per page. */
const artUrls = new Map<string, Promise<string | undefined>>();

function artUrl(wallet: Wallet, card: AppletView): Promise<string | undefined> {
  if (card.art === undefined) return Promise.resolve(undefined);
  const key = `${card.art.assetId}:${card.art.sha256}`;
  let url = artUrls.get(key);
  if (url === undefined) {
    // Shown through <img>: an SVG there runs no script, whatever the region put in it.
    url = wallet
      .cardArtImage(card.tokenRef)
      .then((bytes) =>
        bytes === undefined
          ? undefined
          : URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: 'image/svg+xml' })),
      )
      .catch(() => undefined);
    artUrls.set(key, url);
  }
  return url;
}

type CardAction = 'suspend' | 'resume' | 'delete';

const DONE: Record<CardAction, string> = {
  suspend: 'suspended',
  resume: 'resumed',
  delete: 'deleted',
};

function actionsFor(card: AppletView): CardAction[] {
  if (card.state === 'deleted') return [];
  return [card.state === 'suspended' ? 'resume' : 'suspend', 'delete'];
}

async function run(wallet: Wallet, card: AppletView, action: CardAction): Promise<void> {
  const label = `card •••• ${card.last4}`;
  try {
    if (action === 'suspend') await wallet.suspendCard(card.tokenRef);
    else if (action === 'resume') await wallet.resumeCard(card.tokenRef);
    else await wallet.deleteCard(card.tokenRef);
    say(`${label}: ${DONE[action]}.`);
  } catch (error) {
    say(`${label}: ${describeError(error)}`);
  }
}

function cardItem(wallet: Wallet, card: AppletView, rerender: () => void): HTMLLIElement {
  const item = document.createElement('li');
  item.className = `card card-${card.state}`;
  item.dataset['tokenRef'] = card.tokenRef;
  const image = document.createElement('img');
  image.alt = `Card art of the ${card.network} card ending ${card.last4}`;
  image.hidden = true;
  void artUrl(wallet, card).then((url) => {
    if (url === undefined) return;
    image.src = url;
    image.hidden = false;
  });
  const text = document.createElement('p');
  text.textContent =
    `${card.network} •••• ${card.last4} — token •••• ${card.tokenLast4}, ` +
    `held in ${card.region}, ${card.state.replace('_', ' ')}`;
  const buttons = actionsFor(card).map((action) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action[0]?.toUpperCase() + action.slice(1);
    button.setAttribute('aria-label', `${button.textContent} the card ending ${card.last4}`);
    button.onclick = async () => {
      button.disabled = true;
      await run(wallet, card, action);
      rerender();
    };
    return button;
  });
  item.append(image, text, ...buttons);
  return item;
}

/** Draws the cards and the pay form's card choice from the wallet as it is now. */
export function renderCards(wallet: Wallet): void {
  const cards = wallet.cards();
  const rerender = () => renderCards(wallet);
  byId('cards', HTMLUListElement).replaceChildren(
    ...cards.map((card) => cardItem(wallet, card, rerender)),
  );
  byId('no-cards', HTMLParagraphElement).hidden = cards.length > 0;
  const select = byId('pay-card', HTMLSelectElement);
  const chosen = select.value;
  select.replaceChildren(
    ...cards
      .filter((card) => card.state !== 'deleted')
      .map((card) => {
        const option = document.createElement('option');
        option.value = card.tokenRef;
        option.textContent = `${card.network} •••• ${card.last4} (${card.region}, ${card.state})`;
        option.selected = card.tokenRef === chosen;
        return option;
      }),
  );
}
