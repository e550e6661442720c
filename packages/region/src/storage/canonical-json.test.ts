import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units at every depth and drops no value', () => {
    expect(
      canonicalJson({
        b: 1,
        a: [{ z: null, y: true }],
        '\u20ac': 'x',
        '\ud83d\ude00': 1,
        '\ufb33': 2,
      }),
    ).toBe('{"a":[{"y":true,"z":null}],"b":1,"\u20ac":"x","\ud83d\ude00":1,"\ufb33":2}');
  });

  it('writes numbers and strings as the RFC examples do', () => {
    // RFC 8785 §3.2.2.3 and Appendix B.
    expect(canonicalJson([1e21, 1e-7, 0.000001, -0, 333333333.3333333, 'é\n"'])).toBe(
      '[1e+21,1e-7,0.000001,0,333333333.3333333,"é\\n\\""]',
    );
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
    expect(() => canonicalJson([undefined])).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });

  it('leaves out members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });
});
