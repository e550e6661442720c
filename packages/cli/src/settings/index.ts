export {
  addSettingOptions,
  parseSettings,
  type ParsedSettings,
  type SettingSources,
  type SettingSpec,
  type SettingSpecs,
} from './settings.js';
