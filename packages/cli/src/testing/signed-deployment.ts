import { vi } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';

/** The sample regions of the repository (`config/regions.yaml`). */
export const REGIONS_CONFIG = new URL('../../../../config/regions.yaml', import.meta.url).pathname;

/**
 * A new folder with every region's keys and the signed directory, made by the CLI itself
 * (`keys generate`, `directory sign`), as an operator deploying by hand would; the caller removes it.
 */
export async function makeSignedDeployment(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const args of [
    ['keys', 'generate', '--config', REGIONS_CONFIG, '--out', dir],
    ['directory', 'sign', '--config', REGIONS_CONFIG, '--dir', dir],
  ]) {
    const code = await runCli(args, memoryIo().io);
    if (code !== 0) throw new Error(`domicile ${args.slice(0, 2).join(' ')} exited ${code}`);
  }
  return dir;
}

/** The first line a command printed, waited for (a server prints it once it listens). */
export function firstLineOf(stdout: () => readonly string[]): Promise<string> {
  return vi.waitFor(
    () => {
      const [first] = stdout();
      if (first === undefined) throw new Error('nothing printed yet');
      return first;
    },
    { timeout: 30_000, interval: 50 },
  );
}
