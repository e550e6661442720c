import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildIssuerApplicationData, terminalElements, type api } from '@domicile/protocol';
import { freePorts } from '../deployment/local-deployment.js';
import { sandboxProductIds } from '../deployment/sandbox-issuers.js';
import { memoryIo, type MemoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { REGIONS_CONFIG, firstLineOf } from '../testing/signed-deployment.js';

let dir: string;
let config: string;
const servers: { interrupt: () => void; exit: Promise<number> }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'domicile-by-hand-'));
  // The sample regions, with us and the network router on free ports: the router reaches the
  // region at the base URL the directory lists.
  const [regionPort, routerPort] = await freePorts(2);
  config = join(dir, 'regions.yaml');
  await writeFile(
    config,
    (await readFile(REGIONS_CONFIG, 'utf8'))
      .replace('http://127.0.0.1:7101', `http://127.0.0.1:${regionPort ?? 0}`)
      .replace('http://127.0.0.1:7200', `http://127.0.0.1:${routerPort ?? 0}`),
  );
});
afterAll(async () => {
  for (const server of servers) server.interrupt();
  await Promise.all(servers.map((s) => s.exit));
  await rm(dir, { recursive: true, force: true });
});

/** Runs `domicile args…`: its exit code, and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const { io, stdout, stderr } = memoryIo();
  const code = await runCli(args, io);
  return { code, out: stdout(), err: stderr().join('\n') };
}

/** Runs `domicile args… --json`, which must succeed and print one JSON document. */
async function json<T>(...args: string[]): Promise<T> {
  const { code, out, err } = await cli(...args, '--json');
  expect(code, err).toBe(0);
  expect(out).toHaveLength(1);
  return JSON.parse(out[0] ?? '') as T;
}

/** Starts a server command in this process and returns the JSON of its listening line. */
async function serve<T>(...args: string[]): Promise<T> {
  const m: MemoryIo = memoryIo();
  const exit = runCli([...args, '--json'], m.io);
  servers.push({ interrupt: m.interrupt, exit });
  // A server that fails to start says why, instead of leaving the test to wait for its line.
  const failed = exit.then((code) => {
    throw new Error(`domicile ${args.join(' ')} exited ${code}: ${m.stderr().join('\n')}`);
  });
  return JSON.parse(await Promise.race([firstLineOf(m.stdout), failed])) as T;
}

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

function authorizationRequest(tokenNumber: string): api.AuthorizationRequest {
  return {
    tokenNumber,
    tokenExpiry: { month: 12, year: 2030 },
    panSequenceNumber: '00',
    cvn: 18,
    arqc: '0123456789ABCDEF',
    emv: {
      ...terminalElements({
        amountMinor: 100,
        currency: '840',
        country: '840',
        date: '2026-01-01',
        unpredictableNumber: '01020304',
      }),
      '82': '1800',
      '9F36': '0001',
      '9F10': buildIssuerApplicationData('in_store'),
    },
    channel: 'in_store',
    merchant: { id: 'm-1', name: 'Shop' },
  };
}

describe('a deployment made by hand with the CLI', () => {
  const product = sandboxProductIds('us')[0] ?? '';
  const files = {
    issuerKey: '',
    untrustedIssuerKey: '',
    issuers: '',
    regionConfig: '',
    tokenFile: '',
  };
  let printedToken = '';

  it('writes every key with mode 600 and overwrites none without --force', async () => {
    const keys = await json<{
      authority: { privateKey: string; publicKey: string };
      regions: Record<string, string>;
      networks: Record<string, string>;
    }>('keys', 'generate', '--config', config, '--out', dir);
    expect(await modeOf(keys.authority.privateKey)).toBe(0o600);
    expect(await modeOf(keys.authority.publicKey)).toBe(0o644);
    for (const file of [...Object.values(keys.regions), ...Object.values(keys.networks)])
      expect(await modeOf(file)).toBe(0o600);

    const authority = await readFile(keys.authority.privateKey, 'utf8');
    const again = await cli('keys', 'generate', '--config', config, '--out', dir);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error FILE_EXISTS: .*"option":"--force"/);
    expect(await readFile(keys.authority.privateKey, 'utf8')).toBe(authority);

    // The network key `keys generate` wrote is kept unless forced; forced, it is new and 0600 again.
    const networkFile = keys.networks['sandbox-net'] ?? '';
    const refused = await cli(
      'network',
      'keys',
      'generate',
      '--network',
      'sandbox-net',
      '--dir',
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('FILE_EXISTS');
    const before = JSON.parse(await readFile(networkFile, 'utf8')) as { signing: { kid: string } };
    await chmod(networkFile, 0o644);
    const network = await json<{ file: string; kid: string }>(
      'network',
      'keys',
      'generate',
      '--network',
      'sandbox-net',
      '--dir',
      dir,
      '--force',
    );
    expect(network.file).toBe(networkFile);
    expect(network.kid).not.toBe(before.signing.kid);
    expect(await modeOf(networkFile)).toBe(0o600);
    expect(
      (await cli('network', 'keys', 'generate', '--network', 'Not_An_Id', '--dir', dir)).code,
    ).toBe(2);
  });

  it('makes an issuer key, and an issuers file holding only its public half', async () => {
    files.issuerKey = join(dir, 'acme.issuer.json');
    files.untrustedIssuerKey = join(dir, 'other.issuer.json');
    files.issuers = join(dir, 'us.issuers.json');
    const key = await json<{ issuerId: string; productIds: string[] }>(
      'issuer',
      'keys',
      'generate',
      '--issuer',
      'acme',
      '--region',
      'us',
      '--product',
      product,
      '--out',
      files.issuerKey,
    );
    expect(key).toMatchObject({ issuerId: 'acme', productIds: [product] });
    expect(await modeOf(files.issuerKey)).toBe(0o600);
    const refused = await cli(
      'issuer',
      'keys',
      'generate',
      '--issuer',
      'acme',
      '--region',
      'us',
      '--product',
      product,
      '--out',
      files.issuerKey,
    );
    expect(refused.err).toContain('FILE_EXISTS');
    await json(
      'issuer',
      'keys',
      'generate',
      '--issuer',
      'other',
      '--region',
      'us',
      '--product',
      product,
      '--out',
      files.untrustedIssuerKey,
    );

    const trusted = await json<{ changed: boolean; count: number }>(
      'issuer',
      'trust',
      '--issuers',
      files.issuers,
      '--key-file',
      files.issuerKey,
    );
    expect(trusted).toMatchObject({ changed: true, count: 1 });
    expect(
      await json('issuer', 'trust', '--issuers', files.issuers, '--key-file', files.issuerKey),
    ).toMatchObject({ changed: false, count: 1 });
    const listed = JSON.parse(await readFile(files.issuers, 'utf8')) as { publicKey: object }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]?.publicKey).not.toHaveProperty('d');
    // Another key under a listed id would lock the old one out: only with --force.
    const impostor = join(dir, 'acme-2.issuer.json');
    await json(
      'issuer',
      'keys',
      'generate',
      '--issuer',
      'acme',
      '--region',
      'us',
      '--product',
      product,
      '--out',
      impostor,
    );
    const replaced = await cli(
      'issuer',
      'trust',
      '--issuers',
      files.issuers,
      '--key-file',
      impostor,
    );
    expect(replaced.err).toContain('FILE_EXISTS');
  });

  it('prints an operator token once and writes only its hash to the region config', async () => {
    files.regionConfig = join(dir, 'us.yaml');
    files.tokenFile = join(dir, 'operator.token');
    await writeFile(files.regionConfig, '# the us region\nlogLevel: warn\n');
    const printed = await json<{ token: string; hash: string }>(
      'operator',
      'token',
      'create',
      '--config',
      files.regionConfig,
    );
    printedToken = printed.token;
    expect(printed.hash).toBe(createHash('sha256').update(printed.token).digest('hex'));
    const written = await json<{ tokenFile: string; hash: string; token?: string }>(
      'operator',
      'token',
      'create',
      '--config',
      files.regionConfig,
      '--token-file',
      files.tokenFile,
    );
    expect(written.token).toBeUndefined();
    expect(await modeOf(files.tokenFile)).toBe(0o600);
    const text = await readFile(files.regionConfig, 'utf8');
    expect(text).toContain('# the us region');
    expect(parse(text)).toEqual({
      logLevel: 'warn',
      operatorTokenHashes: [printed.hash, written.hash],
    });
    expect(text).not.toContain(printed.token);
    const human = await cli(
      'operator',
      'token',
      'create',
      '--config',
      files.regionConfig,
      '--token-file',
      files.tokenFile,
    );
    expect(human.code).toBe(1);
    expect(human.err).toContain('FILE_EXISTS');
    // The refused run added no hash of a token nobody holds.
    expect(
      (parse(await readFile(files.regionConfig, 'utf8')) as { operatorTokenHashes: string[] })
        .operatorTokenHashes,
    ).toHaveLength(2);
  });

  it('serves a region from those files that accepts the issuer, the operator and the network', async () => {
    await json('directory', 'sign', '--config', config, '--dir', dir);
    const region = await serve<{ url: string }>(
      'region',
      'serve',
      '--config',
      files.regionConfig,
      '--region',
      'us',
      '--dir',
      dir,
      '--db',
      `sqlite:${join(dir, 'us.db')}`,
      '--issuers',
      files.issuers,
      '--log-file',
      join(dir, 'us.log'),
    );
    const router = await serve<{ url: string }>(
      'network',
      'serve',
      '--network',
      'sandbox-net',
      '--dir',
      dir,
    );

    // The issuer: its signed request is accepted (no token of the product yet); a key the
    // issuers file does not list is refused.
    const issuerArt = [
      '--url',
      region.url,
      '--product',
      product,
      '--background',
      '#000000',
      '--foreground',
      '#ffffff',
      '--label',
      'Acme',
    ];
    expect(await json('issuer', 'art', '--key-file', files.issuerKey, ...issuerArt)).toMatchObject({
      productId: product,
      updated: 0,
    });
    expect(
      (await cli('issuer', 'art', '--key-file', files.untrustedIssuerKey, ...issuerArt)).err,
    ).toMatch(/^error ISSUER_AUTH_INVALID/);

    // The operator, with the printed token and with the token file: past the bearer check to
    // the report lookup; with any other token, refused.
    const printedFile = join(dir, 'printed.token');
    await writeFile(printedFile, `${printedToken}\n`, { mode: 0o600 });
    const wrongFile = join(dir, 'wrong.token');
    await writeFile(wrongFile, 'not-a-token-of-this-region\n', { mode: 0o600 });
    const lookup = (tokenFile: string) =>
      cli(
        'support',
        'lost-report',
        '--url',
        region.url,
        '--report',
        'lr_nothing',
        '--token-file',
        tokenFile,
      );
    for (const tokenFile of [files.tokenFile, printedFile])
      expect((await lookup(tokenFile)).err).toMatch(/^error LOST_REPORT_NOT_FOUND/);
    expect((await lookup(wrongFile)).err).toMatch(/^error OPERATOR_TOKEN_INVALID/);

    // The network: the router signs with the key the directory lists; the region verifies it and
    // looks the token up. A key made after the directory was signed is not one the router will use.
    const requestFile = join(dir, 'request.json');
    await writeFile(requestFile, JSON.stringify(authorizationRequest('4890001234567890')));
    const authorized = await cli(
      'network',
      'authorize',
      '--router',
      router.url,
      '--request',
      requestFile,
    );
    expect(authorized.err).toMatch(/^error TOKEN_NOT_FOUND/);
    await json('network', 'keys', 'generate', '--network', 'sandbox-net', '--dir', dir, '--force');
    await expect(
      serve('network', 'serve', '--network', 'sandbox-net', '--dir', dir, '--port', '0'),
    ).rejects.toThrow(/CONFIG_INVALID.*the directory lists another key for network sandbox-net/);
  });
});
