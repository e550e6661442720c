import { mkdir, mkdtemp, readFile, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDirectory } from '@domicile/protocol';
import { paths, readAuthorityPublicKey, readDirectory } from '../deployment/deployment-files.js';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { REGIONS_CONFIG } from '../testing/signed-deployment.js';

/** The `domicile …` command lines that the comment of `config/regions.yaml` gives. */
function commandsOf(yaml: string): string[][] {
  return [...yaml.matchAll(/^#\s+domicile\s+(.+)$/gm)].map((m) => {
    const line = (m[1] ?? '').trim();
    // Plain words only: a quote would need a shell to read it as written.
    expect(line).not.toMatch(/["'`\\$]/);
    return line.split(/\s+/);
  });
}

describe('the comment of config/regions.yaml', () => {
  it('gives commands that run as written, from a folder holding config/regions.yaml', async () => {
    const commands = commandsOf(await readFile(REGIONS_CONFIG, 'utf8'));
    expect(commands.map((args) => args.slice(0, 2).join(' '))).toEqual([
      'keys generate',
      'directory sign',
    ]);
    const folder = await mkdtemp(join(tmpdir(), 'domicile-comment-'));
    const cwd = process.cwd();
    try {
      await mkdir(join(folder, 'config'));
      await copyFile(REGIONS_CONFIG, join(folder, 'config', 'regions.yaml'));
      process.chdir(folder);
      for (const args of commands) {
        const { io, stderr } = memoryIo();
        expect(await runCli(args, io), `${args.join(' ')}: ${stderr().join('\n')}`).toBe(0);
      }
      // They made a deployment: a directory signed by the authority key beside it.
      const out = commands[0]?.[commands[0].indexOf('--out') + 1] ?? '';
      const directory = await verifyDirectory(
        await readDirectory(paths.directory(join(folder, out))),
        await readAuthorityPublicKey(paths.authorityPublic(join(folder, out))),
      );
      expect(directory.regions.map((r) => r.id)).toEqual(['us', 'eu', 'cn']);
    } finally {
      process.chdir(cwd);
      await rm(folder, { recursive: true, force: true });
    }
  });
});
