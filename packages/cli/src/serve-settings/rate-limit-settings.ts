import { Type } from '@sinclair/typebox';
import type { RateLimitConfig } from '@domicile/region';
import type { SettingSpec } from '../settings/index.js';

const COUNT = { minimum: 0, maximum: 1_000_000 };

/**
 * On by default: limits that one device, and a carrier's address shared by many devices, stay
 * well under in normal use (a provisioning is about ten requests; a push stream is one).
 */
const DEFAULTS = { perAddress: 1_200, perDevice: 300, windowMs: 60_000 };

/** Request limits of a server (region or network router), on unless set to 0. */
export const ADDRESS_RATE_LIMIT_PROPERTIES = {
  rateLimitPerAddress: Type.Integer({ ...COUNT, default: DEFAULTS.perAddress }),
  rateLimitWindowMs: Type.Integer({
    minimum: 1_000,
    maximum: 3_600_000,
    default: DEFAULTS.windowMs,
  }),
};

export const ADDRESS_RATE_LIMIT_SPECS: {
  readonly [K in keyof typeof ADDRESS_RATE_LIMIT_PROPERTIES]: SettingSpec;
} = {
  rateLimitPerAddress: {
    flag: '--rate-limit-per-address',
    placeholder: '<n>',
    help: 'requests one client address may make per window, then 429 with Retry-After (0: no limit)',
    expects: 'an integer from 0 to 1000000',
  },
  rateLimitWindowMs: {
    flag: '--rate-limit-window-ms',
    placeholder: '<ms>',
    help: 'the window the request limits count in',
    expects: 'an integer from 1000 to 3600000',
  },
};

/** A region also limits each device key. */
export const DEVICE_RATE_LIMIT_PROPERTY = {
  rateLimitPerDevice: Type.Integer({ ...COUNT, default: DEFAULTS.perDevice }),
};

export const DEVICE_RATE_LIMIT_SPEC: {
  readonly [K in keyof typeof DEVICE_RATE_LIMIT_PROPERTY]: SettingSpec;
} = {
  rateLimitPerDevice: {
    flag: '--rate-limit-per-device',
    placeholder: '<n>',
    help: 'requests one device key (DPoP) may make per window, then 429 with Retry-After (0: no limit)',
    expects: 'an integer from 0 to 1000000',
  },
};

/** The limits the settings name. */
export function rateLimitsOf(s: {
  readonly rateLimitPerAddress: number;
  readonly rateLimitWindowMs: number;
  readonly rateLimitPerDevice?: number;
}): RateLimitConfig {
  return {
    perAddress: s.rateLimitPerAddress,
    perDevice: s.rateLimitPerDevice ?? 0,
    windowMs: s.rateLimitWindowMs,
  };
}
