import type { Command } from 'commander';
import type { CliIo } from '../io/index.js';
import { COMMAND_GROUPS, createProgram } from '../program.js';

/**
 * The program with every command file loaded: a command line loads only the group it names, so
 * tests that walk every command (their options, their output) load them all here.
 */
export async function programWithEveryCommand(io: CliIo): Promise<Command> {
  const program = createProgram(io);
  for (const group of COMMAND_GROUPS) {
    // One file may define several groups (`keys`, `directory`, `authority`): load it once.
    if (program.commands.some((c) => c.name() === group.name)) continue;
    for (const load of group.load) (await load())(program, io);
  }
  return program;
}
