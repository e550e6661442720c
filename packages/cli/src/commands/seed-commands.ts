import type { Command } from 'commander';
import { Type } from '@sinclair/typebox';
import { DomicileError, verifyDirectory } from '@domicile/protocol';
import { openDatabase, openRegionKeyring, seedTokens } from '@domicile/region';
import {
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readRegionKeys,
} from '../deployment/deployment-files.js';
import { UsageError, type CliIo } from '../io/index.js';
import {
  KEY_PROVIDER_PROPERTIES,
  KEY_PROVIDER_SPECS,
  keyProviderOf,
} from '../serve-settings/index.js';
import { addSettingOptions, parseSettings } from '../settings/index.js';

/** The key provider settings of `region serve`: seeded records are wrapped under the region's KEK. */
const SeedKeySettingsSchema = Type.Object(KEY_PROVIDER_PROPERTIES);

interface SeedOptions {
  region: string;
  dir: string;
  db: string;
  tokens: string;
  first: string;
  json?: boolean;
}

function count(value: string, option: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError('CONFIG_INVALID', {
      option,
      reason: `expected an integer, ${min} or more`,
    });
  return n;
}

/**
 * `domicile region seed`: fills a region's database with active tokens (accounts, devices, sealed
 * vault records, credentials) for load and scale tests. Run it while the region is stopped, or on
 * PostgreSQL beside running nodes; never on a region holding real cards.
 */
export function registerSeedCommands(program: Command, io: CliIo): void {
  const region =
    program.commands.find((c) => c.name() === 'region') ??
    program.command('region').description('region server');
  const seed = region
    .command('seed')
    .description(
      'fill a region with test tokens, fast (sandbox test cards, real vault records), for benchmarks',
    )
    .requiredOption('--region <id>', "the region's id in the directory")
    .requiredOption('--dir <dir>', 'deployment folder (directory.jws, keys/)')
    .requiredOption('--db <url>', 'sqlite:/path/region.db or postgres://…')
    .requiredOption('--tokens <n>', 'how many tokens to add')
    .option(
      '--first <n>',
      'index of the first seeded token (seed again from where the last run ended)',
      '0',
    )
    .option('--json', 'print the result as JSON');
  addSettingOptions(seed, SeedKeySettingsSchema, KEY_PROVIDER_SPECS).action(
    async (opts: SeedOptions & Record<string, unknown>) => {
      const keyProvider = keyProviderOf(
        parseSettings(SeedKeySettingsSchema, KEY_PROVIDER_SPECS, {
          flags: opts,
          env: io.parts.env,
        }),
      );
      const tokens = count(opts.tokens, '--tokens', 1);
      const first = count(opts.first, '--first', 0);
      const directory = await verifyDirectory(
        await readDirectory(paths.directory(opts.dir)),
        await readAuthorityPublicKey(paths.authorityPublic(opts.dir)),
      );
      const entry = directory.region(opts.region);
      if (entry === undefined)
        throw new DomicileError('CONFIG_INVALID', {
          details: { reason: `region ${opts.region} is not in the directory` },
        });
      const keys = await readRegionKeys(opts.dir, opts.region);
      const keyring = await openRegionKeyring(keys, keyProvider);
      const db = await openDatabase(opts.db).catch(async (error: unknown) => {
        await keyring.close();
        throw error;
      });
      const started = performance.now();
      try {
        const result = await seedTokens({
          db,
          keys,
          keyProvider: keyring.keyProvider,
          region: entry,
          tokens,
          first,
        });
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        io.print(
          opts,
          { ...result, seconds },
          (r) =>
            `seeded ${r.seeded} tokens in region ${r.region} (seeded tokens ${first} to ${first + tokens - 1}) in ${r.seconds} s`,
        );
      } finally {
        await db.destroy();
        await keyring.close();
      }
    },
  );
}
