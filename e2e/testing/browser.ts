import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where browser tests write their screenshots (one file per page they visit). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');

/**
 * Debian's chromium (installed by `scripts/ensure-chromium.sh`, which `.ci/run` calls): playwright-core
 * brings no browser of its own. `DOMICILE_CHROMIUM` points at another binary.
 */
export function chromiumPath(): string {
  const fromEnv = process.env['DOMICILE_CHROMIUM'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error('chromium was not found: run scripts/ensure-chromium.sh');
  }
}

/**
 * A headless Chromium. `--no-sandbox` only when running as root, where Chromium refuses to start
 * with its sandbox (CI containers); a normal user keeps the sandbox.
 */
export async function launchChromium(): Promise<Browser> {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: asRoot ? ['--no-sandbox'] : [],
  });
}

/** The screenshot path for `name` (the folder is made on first use). */
export async function screenshotPath(name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}
