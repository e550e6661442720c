/**
 * The value cached under `key` in `cache`, made by `load` on a miss; the least recently used entry
 * is dropped once `cache` holds `maxEntries`. A `Map` keeps insertion order, so moving a hit to
 * the end keeps its oldest entry first.
 */
export function lruGet<K, V>(cache: Map<K, V>, key: K, maxEntries: number, load: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = load();
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
  } else {
    cache.delete(key);
  }
  cache.set(key, value);
  return value;
}
