import type { CliIoParts } from './cli-io.js';
import { CliIo } from './cli-io.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function promptOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  // Questions go to stderr, so that stdout stays machine-readable.
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function onInterrupt(handler: () => void): () => void {
  const stop = (): void => {
    process.off('SIGINT', fire).off('SIGTERM', fire);
  };
  const fire = (): void => {
    stop();
    handler();
  };
  process.once('SIGINT', fire).once('SIGTERM', fire);
  return stop;
}

/** The parts of the running process: its streams, environment, network, clock and signals. */
export function processIoParts(): CliIoParts {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY,
    env: process.env,
    readStdin: () => readAll(process.stdin),
    prompt: process.stdin.isTTY ? promptOnTerminal : undefined,
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    wallet: {},
    onInterrupt,
    exit: (code) => process.exit(code),
  };
}

/** The IO of the `domicile` process itself. */
export function processIo(): CliIo {
  return new CliIo(processIoParts());
}
