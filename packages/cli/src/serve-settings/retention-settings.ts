import { Type } from '@sinclair/typebox';
import { DEFAULT_RETENTION, RETENTION_LIMITS, type RetentionPolicy } from '@domicile/region';
import type { SettingSpec } from '../settings/index.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The region's limits (`storage/retention-policy.ts`) in the unit an operator thinks in. */
function range(field: keyof RetentionPolicy, unitMs: number) {
  const [min, max] = RETENTION_LIMITS[field];
  return {
    minimum: min / unitMs,
    maximum: max / unitMs,
    default: DEFAULT_RETENTION[field] / unitMs,
  };
}

const KEY_HOURS = range('idempotencyKeysMs', HOUR_MS);
const REQUEST_DAYS = range('authorizationRequestsMs', DAY_MS);

/** How long a region keeps idempotency keys and duplicate-transmission records. */
export const RETENTION_PROPERTIES = {
  idempotencyKeyRetentionHours: Type.Integer(KEY_HOURS),
  authorizationRequestRetentionDays: Type.Integer(REQUEST_DAYS),
};

export const RETENTION_SPECS: { readonly [K in keyof typeof RETENTION_PROPERTIES]: SettingSpec } = {
  idempotencyKeyRetentionHours: {
    flag: '--idempotency-key-retention-hours',
    placeholder: '<hours>',
    help: 'how long an answered Idempotency-Key is kept for retries with it (docs/operations.md)',
    expects: `an integer from ${KEY_HOURS.minimum} to ${KEY_HOURS.maximum}`,
  },
  authorizationRequestRetentionDays: {
    flag: '--authorization-request-retention-days',
    placeholder: '<days>',
    help: "how long an acquirer's resend of an authorization gets the recorded decision",
    expects: `an integer from ${REQUEST_DAYS.minimum} to ${REQUEST_DAYS.maximum}`,
  },
};

/** The region's retention policy the settings name. */
export function retentionOf(s: {
  readonly idempotencyKeyRetentionHours: number;
  readonly authorizationRequestRetentionDays: number;
}): RetentionPolicy {
  return {
    idempotencyKeysMs: s.idempotencyKeyRetentionHours * HOUR_MS,
    authorizationRequestsMs: s.authorizationRequestRetentionDays * DAY_MS,
  };
}
