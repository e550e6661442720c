import { describe, expect, it } from 'vitest';
import { definedProps } from './defined-props.js';

describe('definedProps', () => {
  it('drops undefined values and keeps every other value, falsy ones included', () => {
    const out = definedProps({ a: undefined, b: 0, c: '', d: null, e: false, f: 'x' });
    expect(out).toStrictEqual({ b: 0, c: '', d: null, e: false, f: 'x' });
    expect('a' in out).toBe(false);
  });
});
