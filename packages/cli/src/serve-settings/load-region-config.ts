import { readFile } from 'node:fs/promises';
import { definedProps, isDomicileError } from '@domicile/protocol';
import type { RegionConfig } from '@domicile/region';
import {
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readRegionKeys,
} from '../deployment/deployment-files.js';
import { readTrustedIssuers } from '../deployment/issuers-file.js';
import { UsageError } from '../io/index.js';
import type { ParsedSettings } from '../settings/index.js';
import { keyProviderOf } from './key-provider-settings.js';
import type { RegionSettings } from './region-settings.js';
import { rateLimitsOf } from './rate-limit-settings.js';
import { retentionOf } from './retention-settings.js';
import { tlsFilesOf } from './tls-settings.js';

/** The database URL, with the password from its file: it never is on argv or in a config file. */
async function databaseUrl(settings: ParsedSettings<RegionSettings>): Promise<string> {
  const { db, dbPasswordFile } = settings.values;
  if (dbPasswordFile === undefined) return db;
  const refuse = (reason: string, cause?: unknown): UsageError =>
    new UsageError('CONFIG_INVALID', { ...settings.sourceOf('dbPasswordFile'), reason }, cause);
  if (!/^postgres(ql)?:\/\//.test(db)) throw refuse('only for a postgres:// database');
  const password = await readFile(dbPasswordFile, 'utf8').catch((cause: unknown) => {
    throw refuse('unreadable', cause);
  });
  const url = new URL(db);
  url.password = password.replace(/\r?\n$/, '');
  return url.href;
}

/**
 * Reads the files the settings name into the region's config. A file that cannot be read or
 * parsed is a usage error naming the setting that led to it (`--dir`, `--issuers`) and the file.
 */
export async function loadRegionConfig(
  settings: ParsedSettings<RegionSettings>,
): Promise<RegionConfig> {
  const s = settings.values;
  const from = async <T>(key: keyof RegionSettings, read: Promise<T>): Promise<T> => {
    try {
      return await read;
    } catch (error) {
      if (!isDomicileError(error)) throw error;
      const { code, details } = error;
      if (code !== 'CONFIG_INVALID' && code !== 'KEY_FILE_UNREADABLE') throw error;
      throw new UsageError(code, { ...details, ...settings.sourceOf(key) }, error);
    }
  };
  return {
    region: s.region,
    directoryJws: await from('dir', readDirectory(paths.directory(s.dir))),
    authorityKey: await from('dir', readAuthorityPublicKey(paths.authorityPublic(s.dir))),
    keys: await from('dir', readRegionKeys(s.dir, s.region)),
    keyProvider: keyProviderOf(settings),
    databaseUrl: await databaseUrl(settings),
    createDatabase: s.create,
    issuer:
      s.issuerUrl === undefined
        ? { kind: 'sandbox' }
        : { kind: 'http', baseUrl: s.issuerUrl, timeoutMs: s.issuerTimeoutMs },
    logLevel: s.logLevel,
    rateLimits: rateLimitsOf(s),
    ...definedProps({ host: s.host, port: s.port, logFile: s.logFile, tls: tlsFilesOf(s) }),
    ...(s.operatorTokenHashes.length === 0 ? {} : { operatorTokenHashes: s.operatorTokenHashes }),
    ...(s.walletOrigins.length === 0 ? {} : { walletOrigins: s.walletOrigins }),
    auditCheckpoints: {
      everyRows: s.auditCheckpointRows,
      everyMs: s.auditCheckpointMinutes * 60_000,
    },
    retention: retentionOf(s),
    ...(s.issuers === undefined
      ? {}
      : { issuers: await from('issuers', readTrustedIssuers(s.issuers)) }),
  };
}
