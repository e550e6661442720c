import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const driverRoot = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
const rootPackage = JSON.parse(
  readFileSync(new URL('../../../../../package.json', import.meta.url), 'utf8'),
) as { allowScripts?: Record<string, boolean> };

describe('the SQLite driver', () => {
  // better-sqlite3 13 ships prebuilt Node-API binaries and says `gypfile: false`, but `npm ci` reads
  // the lockfile, which does not keep that flag: it sees binding.gyp and runs `node-gyp rebuild`
  // (a compiler and two minutes) unless allowScripts denies it; the driver would then load build/.
  it('is installed without compiling: its install script is denied and there is no build/', () => {
    expect(rootPackage.allowScripts?.['better-sqlite3']).toBe(false);
    expect(existsSync(join(driverRoot, 'build'))).toBe(false);
    expect(existsSync(join(driverRoot, 'prebuilds'))).toBe(true);
  });
});
