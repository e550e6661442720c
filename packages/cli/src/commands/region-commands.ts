import type { Command } from 'commander';
import { openRegionKeyring, startRegion } from '@domicile/region';
import { isDomicileError } from '@domicile/protocol';
import { UsageError, type CliIo } from '../io/index.js';
import {
  REGION_SETTING_SPECS,
  RegionSettingsSchema,
  loadRegionConfig,
  type RegionSettings,
} from '../serve-settings/index.js';
import {
  addSettingOptions,
  envNameOf,
  parseSettings,
  readSettingsFile,
  type ParsedSettings,
} from '../settings/index.js';

/** Where else each option can be given: the help lists every name, generated from the specs. */
const SOURCES_HELP = [
  '',
  'Each option can also be set in the environment, or in the --config file (YAML) by its name;',
  'a flag wins over the environment, the environment over the file. Secrets are given only as',
  'file paths (keys in --dir, --db-password-file). A list is comma-separated in the environment.',
  '',
  `  ${'option'.padEnd(24)} ${'environment'.padEnd(32)} file`,
  ...Object.entries<{ flag: string }>(REGION_SETTING_SPECS).map(
    ([key, { flag }]) => `  ${flag.padEnd(24)} ${envNameOf(key).padEnd(32)} ${key}`,
  ),
  '',
].join('\n');

/** The options of `region serve`, and of `region config check`, which reads the same. */
function withRegionSettings(command: Command): Command {
  return addSettingOptions(command, RegionSettingsSchema, REGION_SETTING_SPECS)
    .option('--config <file>', 'a YAML file of settings (region.yaml)')
    .addHelpText('after', SOURCES_HELP);
}

/** Parses flags, `DOMICILE_*` variables and the `--config` file through the one schema. */
async function regionSettings(
  flags: Record<string, unknown>,
  io: CliIo,
): Promise<ParsedSettings<RegionSettings>> {
  const file = typeof flags.config === 'string' ? await readSettingsFile(flags.config) : undefined;
  return parseSettings(RegionSettingsSchema, REGION_SETTING_SPECS, {
    flags,
    env: io.parts.env,
    ...(file === undefined ? {} : { file }),
  });
}

/** Where a setting came from, for people: its flag, its variable, the file, or the default. */
function originOf(settings: ParsedSettings<RegionSettings>, key: keyof RegionSettings): string {
  const where = settings.sourceOf(key);
  if (settings.origins[key] === 'default') return 'default';
  return String(where.option ?? where.env ?? where.file);
}

/** `domicile region serve` (one region server node) and `domicile region config check`. */
export function registerRegionCommands(program: Command, io: CliIo): void {
  const region = program.command('region').description('region server');

  withRegionSettings(
    region.command('serve').description('run a region server node until SIGINT/SIGTERM'),
  )
    .option('--json', 'print the listening line as JSON')
    .action(async (flags: Record<string, unknown> & { json?: boolean }) => {
      const settings = await regionSettings(flags, io);
      const running = await startRegion(await loadRegionConfig(settings)).catch(
        (error: unknown) => {
          // The folder named in --db is not there: a typo in the command line, not an outage.
          if (!isDomicileError(error, 'DATABASE_FOLDER_MISSING')) throw error;
          throw new UsageError(
            'DATABASE_FOLDER_MISSING',
            { ...error.details, ...settings.sourceOf('db') },
            error,
          );
        },
      );
      io.print(
        flags,
        { region: settings.values.region, url: running.url },
        (r) => `region ${r.region} listening on ${r.url}`,
      );
      await io.untilInterrupted();
      await io.drain(running.close(), settings.values.drainTimeoutMs, () => running.flushLogs());
    });

  withRegionSettings(
    region
      .command('config')
      .description("a region's configuration")
      .command('check')
      .description(
        'check the settings `region serve` would start with, and read every file they name; print them with where each came from',
      ),
  )
    .option('--json', 'print JSON')
    .action(async (flags: Record<string, unknown> & { json?: boolean }) => {
      const settings = await regionSettings(flags, io);
      const config = await loadRegionConfig(settings);
      // Opens the HSM as the region would: a wrong PIN or a missing key label fails the check.
      await (await openRegionKeyring(config.keys, config.keyProvider)).close();
      const keys = Object.keys(settings.values) as (keyof RegionSettings)[];
      const effective = {
        // Nothing here is secret: the schema refuses a password in --db, and files are named, not read out.
        settings: settings.values,
        sources: Object.fromEntries(keys.map((key) => [key, originOf(settings, key)])),
      };
      io.print(flags, effective, ({ settings: values, sources }) => [
        ...keys.map(
          (key) =>
            `${key.padEnd(20)} ${JSON.stringify(values[key]).padEnd(44)} ${sources[key] ?? ''}`,
        ),
        'configuration valid',
      ]);
    });
}
