import { describe, expect, it } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import {
  checkOperatorTokenHashes,
  operatorTokenHash,
  verifyOperatorToken,
} from './operator-auth.js';

const code = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return isDomicileError(error) ? error.code : 'not a DomicileError';
  }
};

describe('operator tokens', () => {
  const token = 'a-long-enough-operator-token';
  const hashes = checkOperatorTokenHashes([
    operatorTokenHash('another-operator-token').toUpperCase(),
    operatorTokenHash(token),
  ]);

  it('accept a listed token and name the operator by a prefix of its hash, never the token', () => {
    const label = verifyOperatorToken(hashes, `Bearer ${token}`);
    expect(label).toBe(operatorTokenHash(token).slice(0, 12));
    expect(verifyOperatorToken(hashes, 'Bearer another-operator-token')).toBe(
      operatorTokenHash('another-operator-token').slice(0, 12),
    );
  });

  it('refuse a missing, malformed or unlisted token, and every token when none is configured', () => {
    expect(code(() => verifyOperatorToken(hashes, undefined))).toBe('OPERATOR_TOKEN_REQUIRED');
    expect(code(() => verifyOperatorToken(hashes, token))).toBe('OPERATOR_TOKEN_REQUIRED');
    expect(code(() => verifyOperatorToken(hashes, 'Bearer short'))).toBe('OPERATOR_TOKEN_REQUIRED');
    expect(code(() => verifyOperatorToken(hashes, 'Bearer not-an-operator-token'))).toBe(
      'OPERATOR_TOKEN_INVALID',
    );
    expect(code(() => verifyOperatorToken([], `Bearer ${token}`))).toBe('OPERATOR_TOKEN_INVALID');
  });

  it('refuse a configured hash that is not a SHA-256 in hex, at startup', () => {
    expect(code(() => checkOperatorTokenHashes(['not-a-hash']))).toBe('CONFIG_INVALID');
    expect(code(() => checkOperatorTokenHashes([operatorTokenHash(token).slice(1)]))).toBe(
      'CONFIG_INVALID',
    );
  });
});
