import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./domicile.js', import.meta.url));

/** Preloaded into the child: it then reports Node 20, as a user's own old Node would. */
const AS_NODE_20 =
  "data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.20.2'});" +
  "Object.defineProperty(process,'version',{value:'v20.20.2'});";

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBin(nodeOptions: string[], args: string[]): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bin/domicile.js', () => {
  it('refuses a Node older than 22 with exit code 1 and a message naming both versions', async () => {
    const result = await runBin(['--import', AS_NODE_20], ['sandbox', 'cards']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^domicile needs Node\.js 22 or newer .* this is Node\.js v20\.20\.2\./,
    );
    expect(result.stderr).toContain('`npm install`');
  });

  it('runs the CLI on the Node it is started with', async () => {
    const result = await runBin([], ['--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: domicile /);
  });
});
