import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isExpired, isLuhnValid, parseRegionsConfig, rangeCovers } from '@domicile/protocol';
import { SANDBOX_PRODUCTS } from './sandbox-products.js';
import { TEST_CARDS, renderTestCardsMarkdown } from './test-cards.js';

const config = parseRegionsConfig(
  readFileSync(new URL('../../../../../config/regions.yaml', import.meta.url), 'utf8'),
);

describe('TEST_CARDS', () => {
  it("are Luhn-valid 16-digit numbers inside their region's routing ranges", () => {
    for (const card of TEST_CARDS) {
      expect(card.pan, card.description).toMatch(/^\d{16}$/);
      expect(isLuhnValid(card.pan)).toBe(true);
      const region = config.regions.find((r) => r.id === card.region);
      expect(region?.routing.some((range) => rangeCovers(range, card.pan.slice(0, 8)))).toBe(true);
    }
  });

  it('are unique by first 6 digits and last 4 (hence also by first 8 and last 4)', () => {
    const keys = TEST_CARDS.map((c) => `${c.pan.slice(0, 6)}:${c.pan.slice(-4)}`);
    expect(new Set(keys).size).toBe(TEST_CARDS.length);
  });

  it('give each sample region every outcome and a second green card', () => {
    for (const region of ['us', 'eu', 'cn']) {
      const outcomes = TEST_CARDS.filter((c) => c.region === region).map((c) => c.outcome);
      expect(outcomes.filter((o) => o === 'green').length).toBeGreaterThanOrEqual(2);
      expect(outcomes).toEqual(expect.arrayContaining(['yellow', 'red', 'unsupported']));
    }
  });

  it('have a future expiry, a CVV, a product of their region unless unsupported, and a reason when red', () => {
    for (const card of TEST_CARDS) {
      expect(isExpired(card.expiry)).toBe(false);
      expect(card.cvv).toMatch(/^\d{3}$/);
      expect(card.productId === undefined).toBe(card.outcome === 'unsupported');
      if (card.productId !== undefined)
        expect(SANDBOX_PRODUCTS.get(card.productId)?.id).toMatch(new RegExp(`^${card.region}-`));
      expect(card.reason !== undefined).toBe(card.outcome === 'red');
    }
  });

  it('give each sample region a card whose account is closed, and say how each payable card declines', () => {
    const payable = TEST_CARDS.filter((c) => c.outcome === 'green' || c.outcome === 'yellow');
    const closed = payable.filter((c) => c.closedAccount === true);
    expect(closed.map((c) => c.region).sort()).toEqual(['cn', 'eu', 'us']);
    for (const card of payable)
      expect(card.description).toMatch(
        card.closedAccount === true ? /account_closed/ : /insufficient_funds/,
      );
  });

  it('render as a Markdown table, one row per card', () => {
    const table = renderTestCardsMarkdown();
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(TEST_CARDS.length + 2);
    expect(lines[0]).toBe(
      '| Region | Card number | Network | Expiry | CVV | Name | Outcome | What happens |',
    );
    expect(lines[2]).toContain('`4111 1111 1111 1111`');
    expect(lines[2]).toContain('12/2030');
  });
});

describe('SANDBOX_PRODUCTS', () => {
  it('give each product its own issuer, contact, terms and art colours', () => {
    const products = [...SANDBOX_PRODUCTS.values()];
    for (const field of ['issuerName', 'phone', 'email', 'website', 'termsUrl'] as const) {
      expect(new Set(products.map((p) => p[field])).size).toBe(products.length);
    }
    expect(new Set(products.map((p) => p.terms.id)).size).toBe(products.length);
    expect(new Set(products.map((p) => p.art.background)).size).toBe(products.length);
    for (const p of products)
      expect([p.art.background, p.art.foreground]).toEqual([
        expect.stringMatching(/^#[0-9a-f]{6}$/),
        expect.stringMatching(/^#[0-9a-f]{6}$/),
      ]);
  });
});
