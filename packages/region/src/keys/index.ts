export {
  RegionKeySetSchema,
  generateRegionKeySet,
  loadRegionKeySet,
  publicKeysOf,
  saveRegionKeySet,
  type RegionKeySet,
} from './region-keys.js';
