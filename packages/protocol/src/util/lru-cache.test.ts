import { describe, expect, it } from 'vitest';
import { lruGet } from './lru-cache.js';

describe('lruGet', () => {
  it('loads once per key, and drops the least recently used entry at the bound', () => {
    const cache = new Map<string, number>();
    let loads = 0;
    const get = (key: string) => lruGet(cache, key, 2, () => ++loads);
    expect([get('a'), get('b'), get('a')]).toEqual([1, 2, 1]);
    get('c'); // b is the least recently used: dropped
    expect([...cache.keys()]).toEqual(['a', 'c']);
    expect(get('b')).toBe(4);
    expect([...cache.keys()]).toEqual(['c', 'b']);
  });
});
