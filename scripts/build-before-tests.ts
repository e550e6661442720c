/**
 * Vitest global setup: `tsc -b` (a second or so when nothing changed) and the wallet page's bundle
 * (esbuild, about as quick) before any test runs, so the `domicile` processes that tests spawn
 * (`region serve`, `network serve`, the packed CLI, `wallet serve`) run the current code, whether
 * the tests were started by `npm test` or as one file by `npx vitest run`.
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
    execFileSync('npm', ['run', '--silent', 'build:wallet-page'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(
      `the build failed (tsc -b tsconfig.build.json, then build:wallet-page):\n${output.stdout ?? ''}${output.stderr ?? ''}`,
    );
  }
}
