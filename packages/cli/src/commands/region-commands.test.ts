import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { firstLineOf, makeSignedDeployment } from '../testing/signed-deployment.js';
import {
  REGION_SETTING_SPECS,
  RegionSettingsSchema,
  loadRegionConfig,
} from '../serve-settings/index.js';
import { parseSettings } from '../settings/index.js';

let dir: string;

beforeAll(async () => {
  dir = await makeSignedDeployment('region-serve-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const serve = (): string[] => [
  'region',
  'serve',
  '--region',
  'us',
  '--dir',
  dir,
  '--db',
  `sqlite:${join(dir, 'us.db')}`,
  '--log-file',
  join(dir, 'us.log'),
  '--host',
  '127.0.0.1',
  '--port',
  '0',
];

/** Interrupts the first listener as soon as it listens (a server stops once it started); only it. */
function interruptOnce(): (handler: () => void) => () => void {
  let sent = false;
  return (handler) => {
    if (!sent) {
      sent = true;
      handler();
    }
    return () => undefined;
  };
}

/** Runs `region serve` with `changes` applied to the good arguments; returns exit code and stderr. */
async function refused(changes: Record<string, string | null>): Promise<[number, string]> {
  const args = serve();
  for (const [flag, value] of Object.entries(changes)) {
    const at = args.indexOf(flag);
    if (value === null) args.splice(at, 2);
    else if (at === -1) args.push(flag, value);
    else args[at + 1] = value;
  }
  // Interrupted at once: a region that starts after all stops again, and the exit code tells.
  const { io, stdout, stderr } = memoryIo({ onInterrupt: interruptOnce() });
  const code = await runCli(args, io);
  expect(stdout()).toEqual([]);
  return [code, stderr().join('\n')];
}

describe('region serve settings', () => {
  it('refuses a wrong value of each kind before anything starts, naming the option, not the value', async () => {
    const cases: [string, string | null, string][] = [
      ['--issuer-timeout-ms', 'abc', 'expected an integer from 1 to 600000'],
      ['--issuer-timeout-ms', '0', 'expected an integer from 1 to 600000'],
      ['--port', '70000', 'expected an integer from 0 to 65535'],
      ['--port', '80.5', 'expected an integer from 0 to 65535'],
      ['--issuer-url', 'ftp://issuer.example', 'expected an http:// or https:// URL'],
      ['--issuer-url', 'https://', 'expected an http:// or https:// URL'],
      ['--db', 'mysql://secret-password@db', expect.stringContaining('expected sqlite:') as string],
      ['--db', 'postgres://u:secret@db/us', expect.stringContaining('with no password') as string],
      [
        '--db',
        'postgres://db/us?password=secret',
        expect.stringContaining('expected sqlite:') as string,
      ],
      ['--log-level', 'loud', 'expected one of fatal, error, warn, info, debug, trace, silent'],
      ['--region', 'U S', 'expected a region id (a-z, 0-9, -; 2 to 16 characters)'],
      ['--operator-token-hash', 'not-a-hash', 'expected a SHA-256 in hex (64 digits)'],
      ['--idempotency-key-retention-hours', '0', 'expected an integer from 1 to 720'],
      ['--authorization-request-retention-days', '91', 'expected an integer from 1 to 90'],
      ['--region', null, 'required'],
      ['--dir', null, 'required'],
    ];
    for (const [flag, value, reason] of cases) {
      const [code, stderr] = await refused({ [flag]: value });
      expect(code, `${flag} ${value}`).toBe(2);
      expect(stderr, `${flag} ${value}`).toMatch(
        /^error CONFIG_INVALID: The configuration is invalid\. /,
      );
      expect(JSON.parse(stderr.slice(stderr.indexOf('{'))), `${flag} ${value}`).toEqual({
        option: flag,
        reason,
      });
      // One line, all of it checked above: the value given is not in it.
      expect(stderr.split('\n')).toHaveLength(1);
    }
    for (const db of ['mysql://secret-password@db', 'postgres://u:secret@db/us'])
      expect((await refused({ '--db': db }))[1]).not.toContain('secret');
    // Refused before the database was opened: no region was created.
    expect(existsSync(join(dir, 'us.db'))).toBe(false);
  });

  it('refuses a file path that leads nowhere, naming the option and the file', async () => {
    const nowhere = join(dir, 'no-such-folder');
    const [code, stderr] = await refused({ '--dir': nowhere });
    expect(code).toBe(2);
    expect(stderr).toContain('"option":"--dir"');
    expect(stderr).toContain(`"file":"${join(nowhere, 'directory.jws')}"`);

    const notJson = join(dir, 'issuers.json');
    await writeFile(notJson, 'issuers: not json');
    for (const file of [join(dir, 'no-such-issuers.json'), notJson]) {
      const [issuersCode, issuersErr] = await refused({ '--issuers': file });
      expect(issuersCode).toBe(2);
      expect(JSON.parse(issuersErr.slice(issuersErr.indexOf('{')))).toEqual({
        option: '--issuers',
        file,
        reason: 'unreadable or not JSON',
      });
    }
  });

  it('serves with good values until interrupted, then exits 0', async () => {
    const { io, stdout, interrupt } = memoryIo();
    const exit = runCli(
      [
        ...serve(),
        '--log-level',
        'warn',
        '--issuer-timeout-ms',
        '2000',
        '--operator-token-hash',
        'a'.repeat(64),
      ],
      io,
    );
    const line = await firstLineOf(stdout);
    const url = /^region us listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    expect(url).toBeDefined();
    expect((await fetch(`${url ?? ''}/v1/directory`)).status).toBe(200);
    interrupt();
    expect(await exit).toBe(0);
  });

  it('passes the log level, from a flag or DOMICILE_LOG_LEVEL, to the region logger', async () => {
    const levelsLogged = async (env: Record<string, string>, flags: string[]) => {
      const logFile = join(dir, `level-${Math.random().toString(36).slice(2)}.log`);
      const args = [...serve(), '--log-file', logFile, ...flags];
      const { io } = memoryIo({ env, onInterrupt: interruptOnce() });
      expect(await runCli(args, io)).toBe(0);
      const lines = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l !== '');
      return new Set(lines.map((line) => (JSON.parse(line) as { level: number }).level));
    };
    // 'region listening' is an info line (30): logged by default, not at warn.
    expect(await levelsLogged({}, [])).toContain(30);
    expect(await levelsLogged({ DOMICILE_LOG_LEVEL: 'warn' }, [])).not.toContain(30);
    expect(await levelsLogged({ DOMICILE_LOG_LEVEL: 'warn' }, ['--log-level', 'debug'])).toContain(
      30,
    );
  });

  it('reads the environment and a --config file through the same schema, naming where a value is wrong', async () => {
    const env = { DOMICILE_ISSUER_TIMEOUT_MS: 'abc' };
    const fromEnv = memoryIo({ env });
    expect(await runCli(['region', 'config', 'check', ...serve().slice(2)], fromEnv.io)).toBe(2);
    expect(fromEnv.stderr()).toEqual([
      'error CONFIG_INVALID: The configuration is invalid. {"env":"DOMICILE_ISSUER_TIMEOUT_MS","reason":"expected an integer from 1 to 600000"}',
    ]);

    const file = join(dir, 'region.yaml');
    const cases: [string, object][] = [
      [
        'logLevel: loud\n',
        { field: 'logLevel', reason: expect.stringContaining('one of') as string },
      ],
      ['dbPassword: hunter2\n', { field: 'dbPassword', reason: 'unknown setting' }],
      ['- a list\n', { option: '--config', reason: 'not a mapping of settings' }],
      ['region: [unclosed\n', { option: '--config', reason: 'not YAML' }],
    ];
    for (const [text, details] of cases) {
      await writeFile(file, text);
      const { io, stderr } = memoryIo();
      expect(await runCli(['region', 'serve', ...serve().slice(2), '--config', file], io)).toBe(2);
      const line = stderr().join('\n');
      expect(JSON.parse(line.slice(line.indexOf('{')))).toEqual({ file, ...details });
      expect(line).not.toContain('hunter2');
    }
  });

  it('prints the effective settings and where each came from: flag over environment over file', async () => {
    const file = join(dir, 'region.yaml');
    await writeFile(
      file,
      `region: us\ndir: ${dir}\ndb: sqlite:${join(dir, 'checked.db')}\nlogLevel: debug\nport: 7000\n`,
    );
    const { io, stdout } = memoryIo({ env: { DOMICILE_PORT: '7001', DOMICILE_LOG_LEVEL: 'warn' } });
    expect(
      await runCli(['region', 'config', 'check', '--config', file, '--port', '0', '--json'], io),
    ).toBe(0);
    const printed = JSON.parse(stdout()[0] ?? '{}') as {
      settings: Record<string, unknown>;
      sources: Record<string, string>;
    };
    expect(printed.settings).toMatchObject({ region: 'us', port: 0, logLevel: 'warn' });
    expect(printed.sources).toMatchObject({
      region: file,
      port: '--port',
      logLevel: 'DOMICILE_LOG_LEVEL',
      issuerTimeoutMs: 'default',
    });
    const text = memoryIo();
    expect(await runCli(['region', 'config', 'check', '--config', file], text.io)).toBe(0);
    expect(text.stdout().at(-1)).toBe('configuration valid');
    // A check opens no database.
    expect(existsSync(join(dir, 'checked.db'))).toBe(false);
  });

  it('turns the retention settings into the region policy: a day and a week unless told', async () => {
    const retention = async (flags: Record<string, string | number>) =>
      (
        await loadRegionConfig(
          parseSettings(RegionSettingsSchema, REGION_SETTING_SPECS, {
            flags: { region: 'us', dir, db: `sqlite:${join(dir, 'x.db')}`, ...flags },
          }),
        )
      ).retention;
    expect(await retention({})).toEqual({
      idempotencyKeysMs: 24 * 3_600_000,
      authorizationRequestsMs: 7 * 86_400_000,
    });
    expect(
      await retention({ idempotencyKeyRetentionHours: 2, authorizationRequestRetentionDays: 30 }),
    ).toEqual({ idempotencyKeysMs: 2 * 3_600_000, authorizationRequestsMs: 30 * 86_400_000 });
  });

  it('takes the PostgreSQL password only from a file', async () => {
    const passwordFile = join(dir, 'db-password');
    await writeFile(passwordFile, 'p@ss word\n', { mode: 0o600 });
    const parsed = (db: string) =>
      parseSettings(RegionSettingsSchema, REGION_SETTING_SPECS, {
        flags: { region: 'us', dir, db, dbPasswordFile: passwordFile },
      });
    const config = await loadRegionConfig(parsed('postgres://domicile@127.0.0.1:5432/us'));
    expect(config.databaseUrl).toBe('postgres://domicile:p%40ss%20word@127.0.0.1:5432/us');
    await expect(loadRegionConfig(parsed(`sqlite:${join(dir, 'x.db')}`))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { option: '--db-password-file', reason: 'only for a postgres:// database' },
    });
  });

  it('network serve checks its options through its own schema in the same way', async () => {
    const cases: [string, string, string][] = [
      ['--port', 'abc', 'expected an integer from 0 to 65535'],
      ['--network', 'Visa Net', 'expected a network id (a-z, 0-9, -; 2 to 32 characters)'],
    ];
    for (const [flag, value, reason] of cases) {
      const args = ['network', 'serve', '--network', 'visa', '--dir', dir, flag, value];
      const { io, stderr } = memoryIo();
      expect(await runCli(args, io)).toBe(2);
      expect(stderr()).toEqual([
        `error CONFIG_INVALID: The configuration is invalid. ${JSON.stringify({ option: flag, reason })}`,
      ]);
    }
  });
});

/** The details of a one-line `error CODE: message {details}`, after checking its code. */
function detailsOf(stderr: string, code: string): Record<string, unknown> {
  expect(stderr).toMatch(new RegExp(`^error ${code}: `));
  expect(stderr.split('\n')).toHaveLength(1);
  return JSON.parse(stderr.slice(stderr.indexOf('{'))) as Record<string, unknown>;
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const skipPg = process.env.DOMICILE_SKIP_PG === '1';
const pgServer = new URL(process.env.DOMICILE_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/postgres');

describe('region serve startup failures', () => {
  it('names a port in use, and exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const [code, stderr] = await refused({ '--port': String(port) });
      expect(code).toBe(1);
      expect(detailsOf(stderr, 'PORT_IN_USE')).toEqual({ host: '127.0.0.1', port });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a SQLite path whose folder does not exist, unless --create', async () => {
    const folder = join(dir, 'typo-folder');
    const db = `sqlite:${join(folder, 'us.db')}`;
    const [code, stderr] = await refused({ '--db': db });
    expect(code).toBe(2);
    expect(detailsOf(stderr, 'DATABASE_FOLDER_MISSING')).toEqual({ folder, option: '--db' });
    expect(existsSync(folder)).toBe(false);

    const { io, stdout } = memoryIo({ onInterrupt: interruptOnce() });
    expect(await runCli([...serve(), '--db', db, '--create'], io)).toBe(0);
    expect(stdout()[0]).toMatch(/^region us listening on /);
    expect(existsSync(join(folder, 'us.db'))).toBe(true);
  });

  it('names a missing or unreadable key file, and exits 2', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'region-keys-'));
    try {
      await cp(dir, copy, { recursive: true });
      const keyFile = join(copy, 'keys', 'us.keys.json');
      await writeFile(keyFile, '{"signing": not json');
      const [garbled, garbledErr] = await refused({ '--dir': copy });
      expect(garbled).toBe(2);
      expect(detailsOf(garbledErr, 'KEY_FILE_UNREADABLE')).toEqual({
        file: keyFile,
        reason: 'not JSON',
        option: '--dir',
      });
      await rm(keyFile);
      const [missing, missingErr] = await refused({ '--dir': copy });
      expect(missing).toBe(2);
      expect(detailsOf(missingErr, 'KEY_FILE_UNREADABLE')).toEqual({
        file: keyFile,
        reason: 'missing',
        option: '--dir',
      });
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('names a PostgreSQL server nothing answers for, with the driver error and no secret', async () => {
    const port = await freePort();
    const passwordFile = join(dir, 'unreachable-password');
    await writeFile(passwordFile, 'hunter2-secret\n', { mode: 0o600 });
    const [code, stderr] = await refused({
      '--db': `postgres://domicile@127.0.0.1:${port}/us`,
      '--db-password-file': passwordFile,
    });
    expect(code).toBe(1);
    expect(detailsOf(stderr, 'DATABASE_UNREACHABLE')).toEqual({
      host: '127.0.0.1',
      port,
      database: 'us',
      driverError: 'ECONNREFUSED',
    });
    expect(stderr).not.toContain('hunter2');
  });

  it.skipIf(skipPg)(
    'names a PostgreSQL role or database that does not exist, with its SQLSTATE',
    async () => {
      const passwordFile = join(dir, 'rejected-password');
      await writeFile(passwordFile, 'hunter2-secret\n', { mode: 0o600 });
      const at = `${pgServer.hostname}:${pgServer.port || '5432'}`;
      const role = new URL(`postgres://no_such_role_domicile@${at}/postgres`);
      const [roleCode, roleErr] = await refused({
        '--db': role.href,
        '--db-password-file': passwordFile,
      });
      expect(roleCode).toBe(1);
      expect(detailsOf(roleErr, 'DATABASE_REJECTED')).toMatchObject({
        user: 'no_such_role_domicile',
        database: 'postgres',
        sqlstateClass: '28',
      });
      expect(roleErr).not.toContain('hunter2');

      const database = new URL(pgServer.href);
      database.pathname = '/no_such_database_domicile';
      if (database.username === '') database.username = process.env.PGUSER ?? userInfo().username;
      const [dbCode, dbErr] = await refused({ '--db': database.href });
      expect(dbCode).toBe(1);
      expect(detailsOf(dbErr, 'DATABASE_REJECTED')).toMatchObject({
        database: 'no_such_database_domicile',
        sqlstate: '3D000',
        sqlstateClass: '3D',
      });
    },
  );
});
