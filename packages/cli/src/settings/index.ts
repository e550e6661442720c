export {
  addSettingOptions,
  envNameOf,
  parseSettings,
  readSettingsFile,
  type ParsedSettings,
  type SettingOrigin,
  type SettingSources,
  type SettingSpec,
  type SettingSpecs,
  type SettingsFile,
} from './settings.js';
