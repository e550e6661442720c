import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '@domicile/protocol';
import type { SettingSpecs } from '../settings/index.js';
import { DEPLOYMENT_PROPERTIES, DEPLOYMENT_SPECS, PATH } from './deployment-settings.js';
import { KEY_PROVIDER_PROPERTIES, KEY_PROVIDER_SPECS } from './key-provider-settings.js';
import {
  ADDRESS_RATE_LIMIT_PROPERTIES,
  ADDRESS_RATE_LIMIT_SPECS,
  DEVICE_RATE_LIMIT_PROPERTY,
  DEVICE_RATE_LIMIT_SPEC,
} from './rate-limit-settings.js';
import { RETENTION_PROPERTIES, RETENTION_SPECS } from './retention-settings.js';
import {
  TLS_CLIENT_CA_PROPERTY,
  TLS_CLIENT_CA_SPEC,
  TLS_PROPERTIES,
  TLS_SPECS,
} from './tls-settings.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/**
 * The forms `openDatabase` accepts (anything else would fail only after the keys were read),
 * with no password in a PostgreSQL URL: a secret is named by its file, never written on argv.
 */
const DATABASE_URL =
  '^(sqlite:.+|postgres(ql)?://(?!.*[?&]password=)([^:@/\\s]+@)?[^@\\s]+|(?![A-Za-z]+://)\\S+\\.(db|sqlite))$';
const HTTP_URL = '^https?://[^\\s/?#]+([/?#]\\S*)?$';
/** An exact web origin, as a browser sends it in `Origin`: no path, no wildcard. */
const WALLET_ORIGIN =
  '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?$';

/**
 * Everything `domicile region serve` is told, before any file is read: ids, paths, URLs and
 * numbers. Checked once ({@link parseSettings}), then loaded into the region's `RegionConfig`.
 * The properties are named as a configuration file would name them.
 */
export const RegionSettingsSchema = Type.Object(
  {
    region: RegionIdSchema,
    ...DEPLOYMENT_PROPERTIES,
    db: Type.String({ pattern: DATABASE_URL }),
    dbPasswordFile: Type.Optional(Type.String(PATH)),
    create: Type.Boolean({ default: false }),
    logFile: Type.Optional(Type.String(PATH)),
    logLevel: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    issuerUrl: Type.Optional(Type.String({ pattern: HTTP_URL })),
    issuerTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 5_000 }),
    operatorTokenHashes: Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{64}$' }), {
      default: [],
    }),
    issuers: Type.Optional(Type.String(PATH)),
    walletOrigins: Type.Array(Type.String({ pattern: WALLET_ORIGIN }), { default: [] }),
    auditCheckpointRows: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1_000 }),
    auditCheckpointMinutes: Type.Integer({ minimum: 1, maximum: 1_440, default: 5 }),
    ...RETENTION_PROPERTIES,
    ...TLS_PROPERTIES,
    ...TLS_CLIENT_CA_PROPERTY,
    ...ADDRESS_RATE_LIMIT_PROPERTIES,
    ...DEVICE_RATE_LIMIT_PROPERTY,
    ...KEY_PROVIDER_PROPERTIES,
  },
  { additionalProperties: false },
);

export type RegionSettings = Static<typeof RegionSettingsSchema>;

/** The flag of each setting, and what a valid value is. */
export const REGION_SETTING_SPECS: SettingSpecs<typeof RegionSettingsSchema.properties> = {
  region: {
    flag: '--region',
    placeholder: '<id>',
    help: "this region's id in the directory",
    expects: 'a region id (a-z, 0-9, -; 2 to 16 characters)',
  },
  ...DEPLOYMENT_SPECS,
  db: {
    flag: '--db',
    placeholder: '<url>',
    help: 'sqlite:/path/region.db or postgres://user@host/db',
    expects:
      'sqlite:<path>, postgres://… or postgresql://… with no password in it, or a path ending in .db or .sqlite',
  },
  dbPasswordFile: {
    flag: '--db-password-file',
    placeholder: '<file>',
    help: "file holding the PostgreSQL user's password",
    expects: 'a file path',
  },
  create: {
    flag: '--create',
    help: "create the SQLite database's folder if it does not exist (else refused: a typo must not start an empty region)",
    expects: 'a flag',
  },
  logFile: {
    flag: '--log-file',
    placeholder: '<file>',
    help: 'append JSON logs to this file instead of stdout',
    expects: 'a file path',
  },
  logLevel: {
    flag: '--log-level',
    placeholder: '<level>',
    help: 'least severe level logged',
    expects: `one of ${LOG_LEVELS.join(', ')}`,
  },
  issuerUrl: {
    flag: '--issuer-url',
    placeholder: '<url>',
    help: "a real issuer's HTTP endpoint (default: the sandbox issuer)",
    expects: 'an http:// or https:// URL',
  },
  issuerTimeoutMs: {
    flag: '--issuer-timeout-ms',
    placeholder: '<ms>',
    help: 'issuer request timeout',
    expects: 'an integer from 1 to 600000',
  },
  operatorTokenHashes: {
    flag: '--operator-token-hash',
    placeholder: '<sha256hex>',
    help: 'SHA-256 (hex) of a bearer token the support API accepts',
    expects: 'a SHA-256 in hex (64 digits)',
  },
  walletOrigins: {
    flag: '--wallet-origin',
    placeholder: '<origin>',
    help: 'origin of a browser wallet page allowed to call this region (CORS), e.g. http://127.0.0.1:8480',
    expects: 'an origin: http(s)://host[:port], no path, no wildcard',
  },
  issuers: {
    flag: '--issuers',
    placeholder: '<file>',
    help: 'JSON list of trusted issuers ({ id, publicKey, webhookUrl?, productIds }) for the issuer API',
    expects: 'a file path',
  },
  auditCheckpointRows: {
    flag: '--audit-checkpoint-rows',
    placeholder: '<n>',
    help: 'sign a checkpoint of the audit chain after this many new rows (docs/audit.md)',
    expects: 'an integer from 1 to 10000000',
  },
  auditCheckpointMinutes: {
    flag: '--audit-checkpoint-minutes',
    placeholder: '<minutes>',
    help: 'sign a checkpoint of the audit chain at least this often while rows are added',
    expects: 'an integer from 1 to 1440',
  },
  ...RETENTION_SPECS,
  ...TLS_SPECS,
  ...TLS_CLIENT_CA_SPEC,
  ...ADDRESS_RATE_LIMIT_SPECS,
  ...DEVICE_RATE_LIMIT_SPEC,
  ...KEY_PROVIDER_SPECS,
};
