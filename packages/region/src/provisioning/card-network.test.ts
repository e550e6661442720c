import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../issuer/index.js';
import { cardNetworkOf } from './card-network.js';

describe('cardNetworkOf', () => {
  it('reads the network from the leading digits of the number', () => {
    expect(cardNetworkOf('4111111111111111')).toBe('visa');
    expect(cardNetworkOf('5100123456780053')).toBe('mastercard');
    expect(cardNetworkOf('5599000000000000')).toBe('mastercard');
    expect(cardNetworkOf('2221000000000009')).toBe('mastercard');
    expect(cardNetworkOf('2720990000000000')).toBe('mastercard');
    expect(cardNetworkOf('2721000000000000')).toBeUndefined();
    expect(cardNetworkOf('2220990000000000')).toBeUndefined();
    expect(cardNetworkOf('378282246310005')).toBe('amex');
    expect(cardNetworkOf('6200123456782015')).toBe('unionpay');
    expect(cardNetworkOf('6011000000000004')).toBeUndefined();
    expect(cardNetworkOf('')).toBeUndefined();
  });

  it('agrees with the network of every sandbox test card', () => {
    for (const card of TEST_CARDS) expect(cardNetworkOf(card.pan)).toBe(card.network);
  });
});
