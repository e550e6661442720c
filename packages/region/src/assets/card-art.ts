import type { CardNetwork } from '@domicile/protocol';
import type { CardProduct } from '../issuer/index.js';

/** The content type of rendered card art. */
export const CARD_ART_CONTENT_TYPE = 'image/svg+xml';

/** ISO/IEC 7810 ID-1 proportions (85.60 × 53.98 mm), at a size wallets draw without scaling up. */
const WIDTH = 1012;
const HEIGHT = 638;

const NETWORK_NAMES: Record<CardNetwork, string> = {
  visa: 'VISA',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  amex: 'American Express',
};

/**
 * Renders a product's card art as SVG: an ID-1 card with rounded corners, a gradient from the
 * product's colours, the issuer name, the product label and the network name. It carries no
 * card or token number, so one image serves every card of the product (and dedupes in storage).
 * Deterministic: the same product and network always give the same bytes.
 */
export function renderCardArt(product: CardProduct, network: CardNetwork): string {
  const background = colour(product.art.background, '#333333');
  const foreground = colour(product.art.foreground, '#ffffff');
  const shade = mix(background, '#000000', 0.45);
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(`${product.issuerName} ${product.art.label}`)}">`,
      '<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">',
      `<stop offset="0" stop-color="${background}"/><stop offset="1" stop-color="${shade}"/>`,
      '</linearGradient></defs>',
      `<rect width="${WIDTH}" height="${HEIGHT}" rx="40" ry="40" fill="url(#bg)"/>`,
      // The contact chip: gold, as on a plastic card, so the art reads as a card at a glance.
      '<rect x="88" y="230" width="130" height="100" rx="14" fill="#d4af37" opacity="0.9"/>',
      `<g fill="${foreground}" font-family="Helvetica, Arial, sans-serif">`,
      `<text x="88" y="120" font-size="52" font-weight="700">${escapeXml(product.issuerName)}</text>`,
      `<text x="88" y="540" font-size="40">${escapeXml(product.art.label)}</text>`,
      `<text x="${WIDTH - 88}" y="540" font-size="56" font-weight="700" font-style="italic" text-anchor="end">${NETWORK_NAMES[network]}</text>`,
      '</g>',
      '</svg>',
    ].join('\n') + '\n'
  );
}

// Colours come from an issuer: anything but `#rrggbb` could break out of the attribute.
function colour(value: string, fallback: string): string {
  return /^#[0-9a-fA-F]{6}$/.test(value) ? value.toLowerCase() : fallback;
}

function mix(a: string, b: string, weight: number): string {
  const channel = (hex: string, i: number): number => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  const out = [0, 1, 2].map((i) =>
    Math.round(channel(a, i) * (1 - weight) + channel(b, i) * weight),
  );
  return `#${out.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}
