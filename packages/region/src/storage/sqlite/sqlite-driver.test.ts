import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const driverRoot = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
const rootPackage = JSON.parse(
  readFileSync(new URL('../../../../../package.json', import.meta.url), 'utf8'),
) as { allowScripts?: Record<string, boolean> };

describe('the SQLite driver', () => {
  // better-sqlite3 13 loads a compiled build/ before its prebuilt Node-API binary, and npm 11 runs
  // `node-gyp rebuild` for any package with a binding.gyp unless allowScripts denies it.
  it('is installed without compiling: its install script is denied and there is no build/', () => {
    expect(rootPackage.allowScripts?.['better-sqlite3']).toBe(false);
    expect(existsSync(join(driverRoot, 'build'))).toBe(false);
    expect(existsSync(join(driverRoot, 'prebuilds'))).toBe(true);
  });
});
