import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { readNetworkKey } from '../deployment/deployment-files.js';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { programWithEveryCommand } from '../testing/every-command.js';
import { NETWORK_SETTING_SPECS, NetworkSettingsSchema } from '../serve-settings/index.js';
import { parseSettings } from '../settings/index.js';
import { REGIONS_CONFIG } from '../testing/signed-deployment.js';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const GUIDE = join(ROOT, 'docs', 'operations.md');
const UNITS = join(ROOT, 'deploy', 'systemd');
/** The instance each template unit is checked with. */
const INSTANCES: Record<string, string> = {
  'domicile-region@.service': 'us',
  'domicile-network@.service': 'sandbox-net',
};

/** The `sh` code blocks of a Markdown text, each as its command lines (continuations joined). */
function shellBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) =>
    (m[1] ?? '')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/\s+#\s.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

/** The words of a `domicile` command line (after `sudo -u USER`), or undefined for another tool. */
function domicileArgs(line: string): string[] | undefined {
  const words = line.replace(/^sudo -u \S+ /, '').split(/\s+/);
  if (words[0] !== 'domicile') return undefined;
  // Plain words only: no quoting or expansion that a shell would have to read for us.
  expect(line, line).not.toMatch(/["'`$]/);
  return words.slice(1);
}

/**
 * Whether `args` is a command of the CLI with options it knows and every option it requires:
 * the problem, or undefined. Nothing runs; the options are parsed as commander parses them.
 */
/** Parsing sets option values on the commands: each check parses on a program of its own. */
async function commandProblem(
  args: readonly string[],
): Promise<{ leaf?: Command; problem?: string }> {
  let command = await programWithEveryCommand(memoryIo().io);
  let i = 0;
  for (; i < args.length && command.commands.length > 0; i++) {
    const next = command.commands.find((c) => c.name() === args[i]);
    if (next === undefined) return { problem: `no command ${args.slice(0, i + 1).join(' ')}` };
    command = next;
  }
  if (command.commands.length > 0)
    return { problem: `${args.join(' ')} is a group, not a command` };
  const { operands, unknown } = command.parseOptions(args.slice(i));
  if (unknown.length > 0) return { problem: `unknown ${unknown.join(' ')}` };
  if (operands.length > 0) return { problem: `unexpected ${operands.join(' ')}` };
  const missing = command.options
    .filter((o) => o.mandatory && command.getOptionValue(o.attributeName()) === undefined)
    .map((o) => o.long);
  if (missing.length > 0) return { problem: `missing ${missing.join(' ')}` };
  return { leaf: command };
}

/** The ExecStart command line of a unit, for one instance (`%i`). */
async function execStartOf(unit: string): Promise<string[]> {
  const text = await readFile(join(UNITS, unit), 'utf8');
  const lines = [...text.matchAll(/^ExecStart=(.+)$/gm)].map((m) => m[1] ?? '');
  expect(lines, unit).toHaveLength(1);
  const words = (lines[0] ?? '').replaceAll('%i', INSTANCES[unit] ?? '').split(/\s+/);
  expect(words[0], unit).toBe('/usr/local/bin/domicile');
  return words.slice(1);
}

describe('docs/operations.md and deploy/systemd', () => {
  it('name only commands and options the CLI has', async () => {
    const guide = await readFile(GUIDE, 'utf8');
    const lines = shellBlocks(guide).flat();
    const commands = lines.map(domicileArgs).filter((a) => a !== undefined);
    expect(commands.length).toBeGreaterThanOrEqual(8);
    const units = (await readdir(UNITS)).filter((f) => f.endsWith('.service'));
    expect(units.sort()).toEqual(Object.keys(INSTANCES).sort());
    for (const unit of units) commands.push(await execStartOf(unit));
    const checked = await Promise.all(
      commands.map(async (args) => ({ args, problem: (await commandProblem(args)).problem })),
    );
    const problems = checked
      .filter((p) => p.problem !== undefined)
      .map((p) => `domicile ${p.args.join(' ')}: ${p.problem ?? ''}`);
    expect(problems).toEqual([]);
    // The checker finds what is wrong.
    expect((await commandProblem(['region', 'serve', '--no-such-flag'])).problem).toMatch(
      /unknown/,
    );
    expect((await commandProblem(['issuer', 'trust', '--issuers', 'f'])).problem).toMatch(
      /--key-file/,
    );
    expect((await commandProblem(['operator', 'token'])).problem).toMatch(/group/);
  });

  it("make a deployment whose region unit's settings pass `region config check`", async () => {
    const guide = await readFile(GUIDE, 'utf8');
    const root = await mkdtemp(join(tmpdir(), 'domicile-operations-'));
    const home = join(root, 'home');
    const etc = join(root, 'etc', 'domicile');
    const local = (word: string): string =>
      word.replace(/^\/etc\/domicile/, etc).replace(/^~(?=\/)/, home);
    const cwd = process.cwd();
    try {
      await mkdir(join(home, '.config', 'domicile'), { recursive: true });
      await mkdir(etc, { recursive: true });
      // The region's configuration file, as the guide shows it.
      const yaml = /^```yaml\n# \/etc\/domicile\/us\.yaml\n([\s\S]*?)^```$/m.exec(guide)?.[1];
      expect(yaml).toBeDefined();
      await writeFile(join(etc, 'us.yaml'), (yaml ?? '').replaceAll('/etc/domicile', etc));
      await writeFile(join(etc, 'us.db-password'), 'a password\n', { mode: 0o600 });
      await copyFile(REGIONS_CONFIG, join(home, 'regions.yaml'));

      // The guide's key commands, run as written (from the authority's folder), in order.
      process.chdir(home);
      const setup = shellBlocks(guide).find((block) =>
        block.some((line) => line.startsWith('domicile keys generate')),
      );
      expect(setup?.length).toBeGreaterThanOrEqual(5);
      for (const line of setup ?? []) {
        const args = (domicileArgs(line) ?? []).map(local);
        const { io, stderr } = memoryIo();
        expect(await runCli(args, io), `${line}: ${stderr().join('\n')}`).toBe(0);
      }

      // The region unit's command, checked by `region config check` on those files.
      const region = (await execStartOf('domicile-region@.service')).map(local);
      expect(region.slice(0, 2)).toEqual(['region', 'serve']);
      const { io, stdout, stderr } = memoryIo();
      const check = ['region', 'config', 'check', ...region.slice(2)];
      expect(await runCli(check, io), stderr().join('\n')).toBe(0);
      expect(stdout().at(-1)).toBe('configuration valid');

      // The network unit's settings pass its schema, and its key is the one the guide made.
      const network = (await execStartOf('domicile-network@.service')).map(local);
      const { leaf } = await commandProblem(network);
      const settings = parseSettings(NetworkSettingsSchema, NETWORK_SETTING_SPECS, {
        flags: leaf?.opts() ?? {},
      });
      expect(settings.values.dir).toBe(etc);
      await readNetworkKey(etc, settings.values.network);
    } finally {
      process.chdir(cwd);
      await rm(root, { recursive: true, force: true });
    }
  });
});
