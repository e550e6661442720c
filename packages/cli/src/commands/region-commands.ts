import { readFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Command } from 'commander';
import { DomicileError, PublicJwkSchema, definedProps } from '@domicile/protocol';
import { startRegion, type IssuerConfig, type TrustedIssuerConfig } from '@domicile/region';
import {
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readRegionKeys,
} from '../deployment/deployment-files.js';

interface ServeOptions {
  region: string;
  dir: string;
  db: string;
  host?: string;
  port?: string;
  logFile?: string;
  issuerUrl?: string;
  issuerTimeoutMs: string;
  operatorTokenHash: string[];
  issuers?: string;
}

/** The issuers a region trusts for its issuer API, as an operator writes them in a JSON file. */
const TrustedIssuersFile = Type.Array(
  Type.Object(
    {
      id: Type.String({ minLength: 1, maxLength: 64 }),
      publicKey: PublicJwkSchema,
      webhookUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
      productIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
);

async function readTrustedIssuers(file: string): Promise<TrustedIssuerConfig[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new DomicileError('CONFIG_INVALID', { details: { file }, cause });
  }
  if (!Value.Check(TrustedIssuersFile, parsed)) {
    throw new DomicileError('CONFIG_INVALID', {
      details: { file, reason: Value.Errors(TrustedIssuersFile, parsed).First()?.path ?? 'schema' },
    });
  }
  return parsed as TrustedIssuerConfig[];
}

/** `domicile region serve`: one region server node. */
export function registerRegionCommands(program: Command): void {
  program
    .command('region')
    .description('region server')
    .command('serve')
    .description('run a region server node until SIGINT/SIGTERM')
    .requiredOption('--region <id>', "this region's id in the directory")
    .requiredOption('--dir <dir>', 'deployment folder (directory.jws, keys/)')
    .requiredOption('--db <url>', 'sqlite:/path/region.db or postgres://…')
    .option('--host <host>', 'listen address (default: the host of the directory base URL)')
    .option('--port <port>', 'listen port (default: the port of the directory base URL)')
    .option('--log-file <file>', 'append JSON logs to this file instead of stdout')
    .option('--issuer-url <url>', "a real issuer's HTTP endpoint (default: the sandbox issuer)")
    .option('--issuer-timeout-ms <ms>', 'issuer request timeout', '5000')
    .option(
      '--operator-token-hash <sha256hex>',
      'SHA-256 (hex) of a bearer token the support API accepts; repeatable',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option(
      '--issuers <file>',
      'JSON list of trusted issuers ({ id, publicKey, webhookUrl?, productIds }) for the issuer API',
    )
    .action(async (opts: ServeOptions) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new DomicileError('CONFIG_INVALID', { details: { option: '--port' } });
      }
      const issuer: IssuerConfig =
        opts.issuerUrl === undefined
          ? { kind: 'sandbox' }
          : { kind: 'http', baseUrl: opts.issuerUrl, timeoutMs: Number(opts.issuerTimeoutMs) };
      const region = await startRegion({
        region: opts.region,
        directoryJws: await readDirectory(paths.directory(opts.dir)),
        authorityKey: await readAuthorityPublicKey(paths.authorityPublic(opts.dir)),
        keys: await readRegionKeys(opts.dir, opts.region),
        databaseUrl: opts.db,
        issuer,
        ...definedProps({ host: opts.host, port, logFile: opts.logFile }),
        ...(opts.operatorTokenHash.length === 0
          ? {}
          : { operatorTokenHashes: opts.operatorTokenHash }),
        ...(opts.issuers === undefined ? {} : { issuers: await readTrustedIssuers(opts.issuers) }),
      });
      process.stdout.write(`region ${opts.region} listening on ${region.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await region.close();
    });
}
