import type { Command } from 'commander';
import { startRegion } from '@domicile/region';
import type { CliIo } from '../io/index.js';
import {
  REGION_SETTING_SPECS,
  RegionSettingsSchema,
  loadRegionConfig,
} from '../serve-settings/index.js';
import { addSettingOptions, parseSettings } from '../settings/index.js';

/** `domicile region serve`: one region server node. */
export function registerRegionCommands(program: Command, io: CliIo): void {
  const serve = program
    .command('region')
    .description('region server')
    .command('serve')
    .description('run a region server node until SIGINT/SIGTERM');
  addSettingOptions(serve, RegionSettingsSchema, REGION_SETTING_SPECS).action(
    async (flags: Record<string, unknown>) => {
      const settings = parseSettings(RegionSettingsSchema, REGION_SETTING_SPECS, { flags });
      const region = await startRegion(await loadRegionConfig(settings));
      io.out(`region ${settings.values.region} listening on ${region.url}`);
      await io.untilInterrupted();
      await region.close();
    },
  );
}
