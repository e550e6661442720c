export { loadRegionConfig } from './load-region-config.js';
export {
  NETWORK_SETTING_SPECS,
  NetworkSettingsSchema,
  type NetworkSettings,
} from './network-settings.js';
export {
  REGION_SETTING_SPECS,
  RegionSettingsSchema,
  type RegionSettings,
} from './region-settings.js';
export { tlsFilesOf } from './tls-settings.js';
export {
  KEY_PROVIDER_PROPERTIES,
  KEY_PROVIDER_SPECS,
  keyProviderOf,
} from './key-provider-settings.js';
