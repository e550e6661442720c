import { describe, expect, it } from 'vitest';
import { CARD_NETWORKS } from '@domicile/protocol';
import { SANDBOX_PRODUCTS, TEST_CARDS, type CardProduct } from '../issuer/index.js';
import { renderCardArt } from './card-art.js';

const products = [...SANDBOX_PRODUCTS.values()];

describe('renderCardArt', () => {
  it('draws an ID-1 card with the product colours, issuer, label and network', () => {
    const product = products[0];
    if (product === undefined) throw new Error('no products');
    const svg = renderCardArt(product, 'visa');
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1012" height="638" viewBox="0 0 1012 638"/,
    );
    expect(svg).toContain('<linearGradient');
    expect(svg).toContain(`stop-color="${product.art.background}"`);
    expect(svg).toContain(`fill="${product.art.foreground}"`);
    expect(svg).toContain(`>${product.issuerName}</text>`);
    expect(svg).toContain(`>${product.art.label}</text>`);
    expect(svg).toContain('>VISA</text>');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('is deterministic and differs per product and network', () => {
    const [a, b] = products;
    if (a === undefined || b === undefined) throw new Error('no products');
    expect(renderCardArt(a, 'visa')).toBe(renderCardArt(a, 'visa'));
    expect(renderCardArt(a, 'visa')).not.toBe(renderCardArt(b, 'visa'));
    expect(renderCardArt(a, 'visa')).not.toBe(renderCardArt(a, 'mastercard'));
  });

  it('never carries a card number, nor a digit run that could be one', () => {
    for (const product of products) {
      for (const network of CARD_NETWORKS) {
        // Colours are hex and may hold digit runs; nothing else may.
        const svg = renderCardArt(product, network).replace(/#[0-9a-f]{6}/g, '#');
        expect(svg).not.toMatch(/\d{5,}/);
        for (const card of TEST_CARDS) expect(svg).not.toContain(card.pan.slice(-4));
      }
    }
  });

  it('escapes issuer text and ignores colours that are not #rrggbb', () => {
    const hostile: CardProduct = {
      ...(products[0] ?? products.at(-1) ?? (undefined as never)),
      issuerName: '<script>alert("x")</script> & Co',
      art: { background: 'red"/><script/>', foreground: '#ABCDEF', label: "O'Brien" },
    };
    const svg = renderCardArt(hostile, 'amex');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(svg).toContain('O&apos;Brien');
    expect(svg).toContain('stop-color="#333333"');
    expect(svg).toContain('fill="#abcdef"');
  });
});
