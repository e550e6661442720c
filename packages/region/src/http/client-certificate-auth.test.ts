import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTlsFiles, tlsFetch, type TlsFiles } from '@domicile/protocol';
import type { Region } from '../region-server.js';
import {
  createRegionFixture,
  createThrowawayCa,
  issueCertificate,
  writeThrowawayTls,
  type RegionFixture,
  type ThrowawayTlsFiles,
} from '../testing/index.js';

const SERVER_TO_SERVER = [
  ['POST', '/v1/regions/lost-device', { request: 'x.y.z' }],
  ['POST', '/v1/authorizations', { authorization: 'x.y.z' }],
  ['POST', '/v1/issuer/credentials/tok_1/suspend', { request: 'x.y.z' }],
] as const;

let dir: string;
let pki: ThrowawayTlsFiles;
let strangerCert: string;
let strangerKey: string;
let strangerCa: string;
let fixture: RegionFixture;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'domicile-mtls-'));
  pki = await writeThrowawayTls(dir);
  // A certificate of another authority: well formed, for localhost, and still not trusted.
  const other = await createThrowawayCa('stranger CA');
  const stranger = await issueCertificate(other, 'stranger');
  strangerCert = join(dir, 'stranger.pem');
  strangerKey = join(dir, 'stranger-key.pem');
  strangerCa = join(dir, 'stranger-ca.pem');
  await writeFile(strangerCert, stranger.certPem);
  await writeFile(strangerKey, stranger.keyPem, { mode: 0o600 });
  await writeFile(strangerCa, other.certPem);
  fixture = await createRegionFixture();
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function mutualTls(): TlsFiles {
  return { certFile: pki.certFile, keyFile: pki.keyFile, clientCaFile: pki.caFile };
}

describe('client certificates on server-to-server routes (inject)', () => {
  let region: Region;
  beforeAll(async () => {
    region = await fixture.region('us', undefined, mutualTls());
  });
  afterAll(() => region.close());

  it.each(SERVER_TO_SERVER)(
    '%s %s without a client certificate is refused',
    async (method, url, payload) => {
      const res = await region.app.inject({ method, url, payload });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({
        error: { code: 'CLIENT_CERTIFICATE_REQUIRED', details: { reason: 'missing' } },
      });
    },
  );

  it('leaves the device routes open', async () => {
    const res = await region.app.inject({ method: 'GET', url: '/v1/directory' });
    expect(res.statusCode).toBe(200);
  });

  it('asks nothing of a region without a client CA: the signed body decides', async () => {
    const plain = await fixture.region('eu');
    try {
      const res = await plain.app.inject({
        method: 'POST',
        url: '/v1/regions/lost-device',
        payload: { request: 'x.y.z' },
      });
      expect(res.json()).not.toMatchObject({ error: { code: 'CLIENT_CERTIFICATE_REQUIRED' } });
    } finally {
      await plain.close();
    }
  });
});

describe('mutual TLS over a real connection', () => {
  let region: Region;
  let url: string;
  beforeAll(async () => {
    region = await fixture.region('us', undefined, mutualTls());
    url = await region.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => region.close());

  const lostDevice = (send: typeof fetch) =>
    send(`${url}/v1/regions/lost-device`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: 'x.y.z' }),
    });

  it('serves HTTPS', () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lets a peer with a certificate of the client CA through to the signed-body check', async () => {
    const peer = tlsFetch(
      loadTlsFiles({ caFile: pki.caFile, certFile: pki.certFile, keyFile: pki.keyFile }),
    );
    const res = await lostDevice(peer);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).not.toBe('CLIENT_CERTIFICATE_REQUIRED');
    expect(res.status).toBeLessThan(500);
  });

  it('refuses a peer without a certificate, and one whose certificate another CA issued', async () => {
    const anonymous = await lostDevice(tlsFetch(loadTlsFiles({ caFile: pki.caFile })));
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({
      error: { code: 'CLIENT_CERTIFICATE_REQUIRED', details: { reason: 'missing' } },
    });
    const stranger = await lostDevice(
      tlsFetch(loadTlsFiles({ caFile: pki.caFile, certFile: strangerCert, keyFile: strangerKey })),
    );
    expect(stranger.status).toBe(403);
    expect(await stranger.json()).toMatchObject({
      error: { code: 'CLIENT_CERTIFICATE_REQUIRED', details: { reason: 'untrusted' } },
    });
  });

  it('answers a device without a client certificate on its routes', async () => {
    const res = await tlsFetch(loadTlsFiles({ caFile: pki.caFile }))(`${url}/v1/directory`);
    expect(res.status).toBe(200);
  });

  it('is refused by a client that trusts another CA', async () => {
    await expect(lostDevice(tlsFetch(loadTlsFiles({ caFile: strangerCa })))).rejects.toThrow();
  });
});

/** The code and field of loadTlsFiles' refusal. */
function refusal(files: TlsFiles): { code: unknown; field: unknown } | undefined {
  try {
    loadTlsFiles(files);
    return undefined;
  } catch (error) {
    const e = error as { code?: unknown; details?: { field?: unknown } };
    return { code: e.code, field: e.details?.field };
  }
}

describe('loadTlsFiles', () => {
  it('reads the PEM files', () => {
    const material = loadTlsFiles({ ...mutualTls(), caFile: pki.caFile });
    expect(material.cert).toContain('BEGIN CERTIFICATE');
    expect(material.key).toContain('PRIVATE KEY');
    expect(material.clientCa).toBe(material.ca);
  });

  it('refuses a key file every user can read', async () => {
    const exposed = join(dir, 'exposed-key.pem');
    await writeFile(exposed, loadTlsFiles(mutualTls()).key ?? '');
    await chmod(exposed, 0o644);
    expect(refusal({ certFile: pki.certFile, keyFile: exposed })).toEqual({
      code: 'CONFIG_INVALID',
      field: 'tls.keyFile',
    });
  });

  it('refuses a key of another certificate, half a pair, a client CA without a certificate, and no PEM', () => {
    const refused = (files: TlsFiles, field: string) =>
      expect(refusal(files)).toEqual({ code: 'CONFIG_INVALID', field });
    refused({ certFile: pki.certFile, keyFile: strangerKey }, 'tls.keyFile');
    refused({ certFile: pki.certFile }, 'tls.keyFile');
    refused({ clientCaFile: pki.caFile }, 'tls.clientCaFile');
    refused({ caFile: pki.keyFile }, 'tls.caFile');
    refused({ caFile: join(dir, 'missing.pem') }, 'tls.caFile');
  });
});

describe('tlsFetch as a client (issuer gateway, webhooks, region outbox, router)', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A peer as strict as an issuer may be: the handshake itself demands a certificate of our CA.
    const tls = loadTlsFiles({ ...mutualTls(), caFile: pki.caFile });
    server = createServer(
      {
        cert: tls.cert,
        key: tls.key,
        ca: tls.clientCa,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.end('{"ok":true}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('presents its certificate to a server that demands one', async () => {
    const send = tlsFetch(loadTlsFiles({ ...pki }));
    expect(await (await send(url)).json()).toEqual({ ok: true });
  });

  it('without a certificate, the strict server ends the handshake', async () => {
    await expect(tlsFetch(loadTlsFiles({ caFile: pki.caFile }))(url)).rejects.toThrow();
  });
});
