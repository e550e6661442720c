/**
 * Vitest global setup: `tsc -b` before any test runs (a second or so when nothing changed), so the
 * `domicile` processes that tests spawn (`region serve`, `network serve`, the packed CLI) run the
 * current code, whether the tests were started by `npm test` or as one file by `npx vitest run`.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(
      `the build failed (tsc -b tsconfig.build.json):\n${output.stdout ?? ''}${output.stderr ?? ''}`,
    );
  }
}
