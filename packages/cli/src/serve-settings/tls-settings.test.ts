import { chmod, copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTlsFiles, tlsFetch } from '@domicile/protocol';
import { writeThrowawayTls, type ThrowawayTlsFiles } from '@domicile/region/testing';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';
import { firstLineOf, makeSignedDeployment } from '../testing/signed-deployment.js';

let dir: string;
let pki: ThrowawayTlsFiles;

beforeAll(async () => {
  dir = await makeSignedDeployment('region-tls-');
  pki = await writeThrowawayTls(dir);
}, 30_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const serve = (db: string): string[] => [
  'region',
  'serve',
  '--region',
  'us',
  '--dir',
  dir,
  '--db',
  `sqlite:${join(dir, db)}`,
  '--log-file',
  join(dir, 'us.log'),
  '--host',
  '127.0.0.1',
  '--port',
  '0',
];

describe('region serve over TLS', () => {
  it('takes the TLS files from a flag, the environment and the config file, and serves HTTPS', async () => {
    const file = join(dir, 'region.yaml');
    await writeFile(file, `tlsClientCaFile: ${pki.caFile}\n`);
    const { io, stdout, interrupt } = memoryIo({ env: { DOMICILE_TLS_KEY_FILE: pki.keyFile } });
    const exit = runCli(
      [...serve('tls.db'), '--tls-cert-file', pki.certFile, '--config', file],
      io,
    );
    const line = await firstLineOf(stdout);
    const url = /^region us listening on (https:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1] ?? '';
    expect(url).not.toBe('');
    const device = tlsFetch(loadTlsFiles({ caFile: pki.caFile }));
    expect((await device(`${url}/v1/directory`)).status).toBe(200);
    // The client CA from the file is in force: a server-to-server route wants a certificate.
    const res = await device(`${url}/v1/regions/lost-device`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: 'x.y.z' }),
    });
    expect(res.status).toBe(403);
    interrupt();
    expect(await exit).toBe(0);
  });

  it('refuses a key file every user may read, naming the field', async () => {
    const exposed = join(dir, 'exposed-key.pem');
    await copyFile(pki.keyFile, exposed);
    await chmod(exposed, 0o644);
    const { io, stderr } = memoryIo();
    const args = [...serve('exposed.db'), '--tls-cert-file', pki.certFile];
    expect(await runCli([...args, '--tls-key-file', exposed], io)).not.toBe(0);
    expect(stderr().join('\n')).toMatch(/CONFIG_INVALID.*"field":"tls\.keyFile"/);
    expect(stderr().join('\n')).not.toContain('PRIVATE KEY');
  });
});
