import { CliIo, type CliIoParts } from './cli-io.js';

/** A {@link CliIo} whose output is kept in memory, for running commands inside another program. */
export interface MemoryIo {
  readonly io: CliIo;
  /** Standard output and standard error so far, as lines. */
  readonly stdout: () => string[];
  readonly stderr: () => string[];
  /** Sends the interrupt (SIGINT, SIGTERM) that `region serve` and `--follow` wait for. */
  readonly interrupt: () => void;
}

function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * An IO with nothing of the process: output collected, an empty environment and stdin, no
 * terminal, interrupts sent by {@link MemoryIo.interrupt}; `parts` replaces any of it.
 */
export function memoryIo(parts: Partial<CliIoParts> = {}): MemoryIo {
  let stdout = '';
  let stderr = '';
  const handlers = new Set<() => void>();
  const io = new CliIo({
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: {},
    readStdin: () => Promise.resolve(''),
    prompt: undefined,
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    wallet: {},
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    exit: () => undefined,
    ...parts,
  });
  return {
    io,
    stdout: () => lines(stdout),
    stderr: () => lines(stderr),
    interrupt: () => {
      const waiting = [...handlers];
      handlers.clear();
      for (const handler of waiting) handler();
    },
  };
}
