import { describe, expect, it } from 'vitest';
import { DomicileError } from './domicile-error.js';

describe('DomicileError.fromBody', () => {
  it("rebuilds a peer's Domicile error with its code and details", () => {
    const body = new DomicileError('IDV_CODE_INVALID', { details: { triesLeft: 2 } }).toBody();
    expect(DomicileError.fromBody(body)).toMatchObject({
      code: 'IDV_CODE_INVALID',
      details: { triesLeft: 2 },
    });
  });

  it('makes anything else PEER_MALFORMED, naming the peer and never repeating its body', () => {
    for (const body of [undefined, '<html>4111111111111111</html>', { error: { code: 'NOPE' } }]) {
      const error = DomicileError.fromBody(body, { peer: 'region', region: 'cn', status: 418 });
      expect(error.toBody()).toEqual({
        error: {
          code: 'PEER_MALFORMED',
          message: 'The peer answered something malformed.',
          details: { peer: 'region', what: 'error-body', region: 'cn', status: 418 },
        },
      });
    }
    expect(DomicileError.fromBody(null).details).toEqual({ peer: 'region', what: 'error-body' });
  });
});
