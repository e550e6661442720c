import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../deployment/deployment-files.js';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { firstLineOf, makeSignedDeployment } from '../testing/signed-deployment.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = await makeSignedDeployment('kek-rotation-');
  db = `sqlite:${join(dir, 'us.db')}`;
  const seeded = await runCli(
    ['region', 'seed', '--region', 'us', '--dir', dir, '--db', db, '--tokens', '12'],
    memoryIo().io,
  );
  expect(seeded).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(
  args: string[],
  parts: Parameters<typeof memoryIo>[0] = {},
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const { io, stdout, stderr } = memoryIo(parts);
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function keyFile(): Promise<{
  secrets: { vaultKekId: string; vaultKeks?: { id: string }[] };
}> {
  return JSON.parse(await readFile(paths.regionKeys(dir, 'us'), 'utf8')) as {
    secrets: { vaultKekId: string; vaultKeks?: { id: string }[] };
  };
}

const status = (...more: string[]) => [
  'keys',
  'rewrap-status',
  ...['--region', 'us', '--dir', dir, '--db', db],
  ...more,
];
const retire = (id: string) => [
  'keys',
  'retire',
  ...['--region', 'us', '--purpose', 'kek', '--id', id, '--dir', dir, '--db', db],
];

describe('domicile keys rotate / rewrap-status / retire --purpose kek', () => {
  it('rotates the KEK, follows the re-wrap of a serving region, and retires the old KEK after', async () => {
    const rotated = await run([
      'keys',
      'rotate',
      '--region',
      'us',
      '--purpose',
      'kek',
      '--dir',
      dir,
      '--json',
    ]);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout[0] ?? '')).toMatchObject({
      region: 'us',
      kekId: 'us-kek-2',
      previous: ['us-kek-1'],
    });
    expect((await keyFile()).secrets.vaultKeks?.map((k) => k.id)).toEqual(['us-kek-1', 'us-kek-2']);

    const before = await run(status('--json'));
    expect(JSON.parse(before.stdout[0] ?? '')).toMatchObject({
      currentKekId: 'us-kek-2',
      total: 12,
      current: 0,
      remaining: 12,
    });
    const refused = await run(retire('us-kek-1'));
    expect(refused.code).toBe(1);
    expect(refused.stderr.join('\n')).toMatch(/^error VAULT_KEK_IN_USE: .*"records":12/);
    const timedOut = await run(status('--wait', '--interval-ms', '10', '--timeout-ms', '1'));
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr.join('\n')).toContain('"reason":"rewrap_unfinished"');

    // A region node started with the rotated key file re-wraps while it serves.
    const server = memoryIo();
    const serving = runCli(
      [
        ...['region', 'serve', '--region', 'us', '--dir', dir, '--db', db],
        ...['--log-file', join(dir, 'us.log'), '--host', '127.0.0.1', '--port', '0'],
      ],
      server.io,
    );
    try {
      expect(await firstLineOf(server.stdout)).toMatch(/^region us listening on /);
      const followed = await run(status('--wait', '--interval-ms', '20'), { stderrIsTty: true });
      expect(followed.code).toBe(0);
      expect(followed.stderr.join('\n')).toContain(
        `\r[${'#'.repeat(30)}] 100.0%  12/12 records under us-kek-2, 0 left`,
      );
      expect(followed.stdout).toEqual([
        '100.0%  12/12 records under us-kek-2, 0 left',
        `  ${'us-kek-2'.padEnd(24)} 12`,
      ]);
    } finally {
      server.interrupt();
      expect(await serving).toBe(0);
    }

    const retired = await run(retire('us-kek-1'));
    expect(retired).toMatchObject({ code: 0 });
    expect(retired.stdout[0]).toMatch(/^vault KEK us-kek-1 of region us retired: removed from /);
    const file = await keyFile();
    expect(file.secrets.vaultKekId).toBe('us-kek-2');
    expect(file.secrets.vaultKeks?.map((k) => k.id)).toEqual(['us-kek-2']);
    expect((await run(retire('us-kek-1'))).stderr.join('\n')).toMatch(/^error VAULT_KEK_UNKNOWN/);
  }, 120_000);

  it('refuses another purpose and --wait without --db as usage errors', async () => {
    const other = await run([
      'keys',
      'retire',
      '--region',
      'us',
      '--purpose',
      'signing',
      '--id',
      'x',
      '--dir',
      dir,
      '--db',
      db,
    ]);
    expect(other.code).toBe(2);
    const noDb = await run([
      'keys',
      'rotate',
      '--region',
      'us',
      '--purpose',
      'kek',
      '--dir',
      dir,
      '--wait',
    ]);
    expect(noDb.code).toBe(2);
    // Refused before anything changed: the key file was not rotated again.
    expect((await keyFile()).secrets.vaultKekId).toBe('us-kek-2');
  });
});
