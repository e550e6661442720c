/**
 * `npm test` after the build: the type-check, the lint and the format check run beside `vitest
 * run` instead of before it. The end-to-end tests spend much of their time waiting on the processes
 * they start, and the checks (at a lower CPU priority, so tests keep the cores they need) use what
 * is left of them. Vitest writes to the terminal as usual; each check's output is kept and printed
 * whole after the tests, then one line per step. Exits non-zero when any step fails.
 * Arguments are passed on to vitest (`npm test -- e2e/` still type-checks, lints and formats all).
 */
import { spawn } from 'node:child_process';

const CHECKS = ['typecheck', 'lint', 'format:check'] as const;
/** The checks yield the CPU to the tests and the servers those start. */
const CHECK_NICENESS = 10;

interface Outcome {
  readonly name: string;
  readonly code: number;
  readonly seconds: number;
  readonly output: string;
}

function runCheck(script: string): Promise<Outcome> {
  const started = performance.now();
  // `nice` is inherited by every process the script starts (tsc, eslint, prettier).
  const args = ['-n', String(CHECK_NICENESS), 'npm', 'run', '--silent', script];
  return new Promise((resolve) => {
    const child = spawn('nice', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = (code: number): void =>
      resolve({ name: `npm run ${script}`, code, seconds: elapsed(started), output });
    child.once('error', (error) => {
      output += `${error.message}\n`;
      done(1);
    });
    child.once('close', (code, signal) => done(code ?? (signal === null ? 1 : 128)));
  });
}

function runVitest(args: readonly string[]): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('vitest', ['run', ...args], { stdio: 'inherit' });
    const done = (code: number): void =>
      resolve({ name: 'vitest run', code, seconds: elapsed(started), output: '' });
    child.once('error', (error) => {
      process.stderr.write(`vitest did not start: ${error.message}\n`);
      done(1);
    });
    child.once('close', (code, signal) => done(code ?? (signal === null ? 1 : 128)));
  });
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

const checks = Promise.all(CHECKS.map(runCheck));
const tests = await runVitest(process.argv.slice(2));
const outcomes = [...(await checks), tests];

for (const check of outcomes.slice(0, -1)) {
  process.stdout.write(`\n── ${check.name} (${check.code === 0 ? 'passed' : 'FAILED'})\n`);
  if (check.output !== '')
    process.stdout.write(check.output.endsWith('\n') ? check.output : `${check.output}\n`);
}
process.stdout.write('\n');
for (const { name, code, seconds } of outcomes)
  process.stdout.write(`${code === 0 ? 'passed' : 'FAILED'}  ${name}  ${seconds} s\n`);
process.exitCode = outcomes.some((o) => o.code !== 0) ? 1 : 0;
