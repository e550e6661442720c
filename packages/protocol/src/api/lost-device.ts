import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { ERROR_CODES } from '../errors/index.js';
import { IdSchema, TimestampSchema } from './common.js';

/**
 * Lost device across regions. The home region keeps a residency index (which regions may hold
 * credentials of an account, by pseudonym); a lost-device report suspends the device's tokens at
 * home at once and in every other region by signed region-to-region requests, delivered from a
 * durable outbox until each region confirms.
 */

/** `typ` of the region-to-region request, a compact JWS by the home region's signing key. */
export const REGION_REQUEST_TYP = 'domicile-region-request+jws';
/** `typ` of the target region's signed answer. */
export const REGION_CONFIRMATION_TYP = 'domicile-region-confirmation+jws';
/** Longest life a region-to-region request may have: it is signed afresh for every attempt. */
export const REGION_REQUEST_MAX_AGE_SECONDS = 300;

/** A lost device's tokens are suspended; a device removed from its account has them deleted. */
export const DeviceReportAction = Type.Union([Type.Literal('suspend'), Type.Literal('delete')]);

const JtiSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' });

/** Claims of `POST /v1/regions/lost-device`: suspend what the guest account `pseudonym` holds on the device `deviceJkt`. */
export const LostDeviceRequestClaims = Type.Object({
  iss: RegionIdSchema,
  aud: RegionIdSchema,
  iat: Type.Integer(),
  exp: Type.Integer(),
  jti: JtiSchema,
  reportId: IdSchema,
  /** The pairwise pseudonym the home region gave the account towards `aud` (the redirect assertion's `sub`). */
  pseudonym: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  /** RFC 7638 thumbprint of the lost device's signing key: the same key in every region. */
  deviceJkt: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  /** What to do with that device's tokens: suspend them (lost, the default) or delete them (removed from the account). */
  action: Type.Optional(DeviceReportAction),
});

/** Claims of the target's answer: bound to the request by `requestJti`, and to the report. */
export const LostDeviceConfirmationClaims = Type.Object({
  iss: RegionIdSchema,
  aud: RegionIdSchema,
  iat: Type.Integer(),
  jti: JtiSchema,
  reportId: IdSchema,
  requestJti: JtiSchema,
  /** Credentials this report suspended there (the same count when a retry asks again). */
  suspended: Type.Integer({ minimum: 0 }),
});

export const RegionRequestBody = Type.Object(
  { request: Type.String({ minLength: 1, maxLength: 8192, contentMediaType: 'application/jose' }) },
  { additionalProperties: false },
);
export const RegionConfirmationResponse = Type.Object({
  confirmation: Type.String({ contentMediaType: 'application/jose' }),
});

/** Where a report stands in one other region. */
export const LostReportRegionStatus = Type.Union([
  /** Not tried yet. */
  Type.Literal('pending'),
  /** Tried and not confirmed yet (the region is down or refused): retried with backoff. */
  Type.Literal('failing'),
  Type.Literal('confirmed'),
]);

export const LostReportRegion = Type.Object({
  region: RegionIdSchema,
  status: LostReportRegionStatus,
  attempts: Type.Integer({ minimum: 0 }),
  /** Once confirmed: how many credentials that region suspended. */
  suspended: Type.Optional(Type.Integer({ minimum: 0 })),
  confirmedAt: Type.Optional(TimestampSchema),
  nextAttemptAt: Type.Optional(TimestampSchema),
  /** The error code of the last failed attempt (docs/errors.md). */
  lastError: Type.Optional(Type.Union(Object.keys(ERROR_CODES).map((c) => Type.Literal(c)))),
});

/** `GET /v1/support/lost-reports/{reportId}` — a lost-device report and its per-region progress. */
export const LostReportView = Type.Object({
  reportId: IdSchema,
  deviceId: IdSchema,
  reportedAt: TimestampSchema,
  reportedBy: Type.Union([Type.Literal('operator'), Type.Literal('device')]),
  /** `delete` when the device was removed from its account (counts are then of deleted tokens). */
  action: Type.Optional(DeviceReportAction),
  /** The home region suspends the device's own tokens in the transaction that records the report. */
  home: Type.Object({ region: RegionIdSchema, suspended: Type.Integer({ minimum: 0 }) }),
  regions: Type.Array(LostReportRegion),
  /** True once every region confirmed. */
  complete: Type.Boolean(),
});

export const LostReportResponse = Type.Object({ report: LostReportView });

export type DeviceReportAction = Static<typeof DeviceReportAction>;
export type LostDeviceRequestClaims = Static<typeof LostDeviceRequestClaims>;
export type LostDeviceConfirmationClaims = Static<typeof LostDeviceConfirmationClaims>;
export type RegionRequestBody = Static<typeof RegionRequestBody>;
export type RegionConfirmationResponse = Static<typeof RegionConfirmationResponse>;
export type LostReportRegionStatus = Static<typeof LostReportRegionStatus>;
export type LostReportRegion = Static<typeof LostReportRegion>;
export type LostReportView = Static<typeof LostReportView>;
export type LostReportResponse = Static<typeof LostReportResponse>;
