import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { memoryIo } from './io/index.js';
import { COMMAND_GROUPS, runCli } from './program.js';

describe('the domicile program', () => {
  it('prints the version of the CLI package for --version, with exit code 0', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const out = memoryIo();
    expect(await runCli(['--version'], out.io)).toBe(0);
    expect(out.stdout()).toEqual([version]);
  });

  it('lists every command in its help, with the description its own file gives it', async () => {
    const out = memoryIo();
    expect(await runCli(['--help'], out.io)).toBe(0);
    const help = out.stdout().join('\n');
    for (const group of COMMAND_GROUPS) {
      expect(help).toMatch(new RegExp(`^  ${group.name} `, 'm'));
      const loaded = new Command('domicile');
      for (const load of group.load) (await load())(loaded, memoryIo().io);
      const command = loaded.commands.find((c) => c.name() === group.name);
      expect(command?.description(), group.name).toBe(group.description);
    }
  });

  it('loads the command a command line names, and its subcommands, for its help', async () => {
    const out = memoryIo();
    expect(await runCli(['help', 'region'], out.io)).toBe(0);
    expect(out.stdout().join('\n')).toMatch(/^ {2}serve \[options\] /m);
  });
});
