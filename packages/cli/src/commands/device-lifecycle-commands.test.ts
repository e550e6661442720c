import { describe, expect, it } from 'vitest';
import type { AppletView } from '@domicile/device';
import { codeOf } from '@domicile/region/testing';
import { findCard } from './device-lifecycle-commands.js';

const card = (
  tokenRef: string,
  last4: string,
  state: AppletView['state'] = 'active',
): AppletView => ({
  tokenRef,
  region: 'us',
  network: 'visa',
  last4,
  tokenLast4: '9999',
  tokenExpiry: { month: 1, year: 2030 },
  state,
  art: undefined,
  scriptId: undefined,
  issuer: undefined,
});

describe('findCard', () => {
  const cards = [
    card('tok_aaaaaaaaaa', '1111'),
    card('tok_bbbbbbbbbb', '2222'),
    card('tok_cccccccccc', '2222'),
    card('tok_dddddddddd', '3333', 'deleted'),
  ];

  it('finds a card by token reference, or by last 4 digits when they name one live card', () => {
    expect(findCard(cards, 'tok_cccccccccc').tokenRef).toBe('tok_cccccccccc');
    expect(findCard(cards, '1111').tokenRef).toBe('tok_aaaaaaaaaa');
    expect(findCard(cards, 'tok_dddddddddd').state).toBe('deleted');
  });

  it('refuses ambiguous last 4 digits, deleted cards by last 4, and unknown cards', () => {
    expect(codeOf(() => findCard(cards, '2222'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => findCard(cards, '3333'))).toBe('CREDENTIAL_NOT_FOUND');
    expect(codeOf(() => findCard(cards, 'tok_zzzzzzzzzz'))).toBe('CREDENTIAL_NOT_FOUND');
  });
});
