import { Type, type Static } from '@sinclair/typebox';
import { NetworkIdSchema } from '@domicile/protocol';
import type { SettingSpecs } from '../settings/index.js';
import { DEPLOYMENT_PROPERTIES, DEPLOYMENT_SPECS } from './deployment-settings.js';
import { ADDRESS_RATE_LIMIT_PROPERTIES, ADDRESS_RATE_LIMIT_SPECS } from './rate-limit-settings.js';
import { TLS_PROPERTIES, TLS_SPECS } from './tls-settings.js';

/** Everything `domicile network serve` is told. */
export const NetworkSettingsSchema = Type.Object(
  {
    network: NetworkIdSchema,
    ...DEPLOYMENT_PROPERTIES,
    log: Type.Boolean({ default: false }),
    ...TLS_PROPERTIES,
    ...ADDRESS_RATE_LIMIT_PROPERTIES,
  },
  { additionalProperties: false },
);

export type NetworkSettings = Static<typeof NetworkSettingsSchema>;

export const NETWORK_SETTING_SPECS: SettingSpecs<typeof NetworkSettingsSchema.properties> = {
  network: {
    flag: '--network',
    placeholder: '<id>',
    help: "this network's id in the directory",
    expects: 'a network id (a-z, 0-9, -; 2 to 32 characters)',
  },
  ...DEPLOYMENT_SPECS,
  log: {
    flag: '--log',
    help: 'log requests as JSON lines (never their bodies)',
    expects: 'a flag',
  },
  ...TLS_SPECS,
  ...ADDRESS_RATE_LIMIT_SPECS,
};
