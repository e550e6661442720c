import { generateProof } from 'dpop';
import { generateKeyPair } from 'jose';
import {
  TYP,
  buildDirectoryDocument,
  encryptJson,
  generateKeyPairJwk,
  parseRegionsConfig,
  signDirectory,
  type KeyPairJwk,
  type PublicJwk,
  type api,
  definedProps,
} from '@domicile/protocol';
import {
  generateRegionKeySet,
  publicKeysOf,
  type FileRegionKeySet,
  type RegionKeySet,
} from '../keys/index.js';
import type { RegionConfig } from '../config/index.js';
import { TEST_CARDS } from '../issuer/index.js';
import { createRegion, type Region } from '../region-server.js';

/** The sample regions, on ports nobody listens on: `inject()` tests never open a socket. */
export const FIXTURE_REGIONS_YAML = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:17101", routing: [{ from: "400000", to: "449999" }, { from: "510000", to: "529999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
  - { id: eu, name: EU, baseUrl: "http://127.0.0.1:17102", routing: [{ from: "450000", to: "479999" }, { from: "530000", to: "549999" }], tokenRanges: [{ from: "489100", to: "489199" }] }
  - { id: cn, name: CN, baseUrl: "http://127.0.0.1:17103", routing: [{ from: "620000", to: "629999" }], tokenRanges: [{ from: "489200", to: "489299" }] }
`;

export interface RegionFixture {
  readonly directoryJws: string;
  readonly authorityKey: PublicJwk;
  readonly keys: ReadonlyMap<string, FileRegionKeySet>;
  /** An in-memory region (SQLite `:memory:`), app not listening; `tls` to serve HTTPS once listening. */
  region(id: string, databaseUrl?: string, tls?: RegionConfig['tls']): Promise<Region>;
}

export async function createRegionFixture(): Promise<RegionFixture> {
  const config = parseRegionsConfig(FIXTURE_REGIONS_YAML);
  const keys = new Map<string, FileRegionKeySet>();
  for (const r of config.regions) keys.set(r.id, await generateRegionKeySet(r.id));
  const authority = await generateKeyPairJwk('sig');
  const doc = buildDirectoryDocument(
    config,
    new Map([...keys].map(([id, k]) => [id, publicKeysOf(k)])),
    { serial: 1 },
  );
  const directoryJws = await signDirectory(doc, authority.privateJwk);
  return {
    directoryJws,
    authorityKey: authority.publicJwk,
    keys,
    region: (id, databaseUrl = 'sqlite::memory:', tls) =>
      createRegion({
        region: id,
        directoryJws,
        authorityKey: authority.publicJwk,
        keys: keys.get(id) as RegionKeySet,
        databaseUrl,
        issuer: { kind: 'sandbox' },
        logLevel: 'silent',
        tsmPollMs: 60_000,
        ...definedProps({ tls }),
      }),
  };
}

/** A device as far as the server can tell: a signing key for DPoP and an encryption key. */
export interface TestDevice {
  readonly encryption: KeyPairJwk;
  proof(method: string, url: string): Promise<string>;
  headers(method: string, url: string, idempotencyKey?: string): Promise<Record<string, string>>;
}

let counter = 0;

export async function createTestDevice(): Promise<TestDevice> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const keypair = { privateKey: pair.privateKey, publicKey: pair.publicKey };
  const encryption = await generateKeyPairJwk('enc');
  const proof = (method: string, url: string): Promise<string> =>
    generateProof(keypair, url, method);
  return {
    encryption,
    proof,
    headers: async (method, url, idempotencyKey) => ({
      dpop: await proof(method, url),
      'content-type': 'application/json',
      ...(method === 'POST'
        ? {
            'idempotency-key':
              idempotencyKey ?? `test-key-${process.pid}-${Date.now()}-${counter++}`,
          }
        : {}),
    }),
  };
}

export function encryptCardDetails(
  details: api.CardDetails,
  regionKey: PublicJwk,
): Promise<string> {
  return encryptJson(details, regionKey, TYP.cardDetails);
}

/**
 * Takes a new provisioning session of a registered `device` to `ready` through the device routes
 * of `region` (message, eligibility, terms, card details), for a green sandbox card of that
 * region; returns the session id.
 */
export async function readySession(region: Region, device: TestDevice): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const url = `${region.context.self.baseUrl}${path}`;
    const res = await region.app.inject({
      method: 'POST',
      url: path,
      headers: await device.headers('POST', url),
      payload: JSON.stringify(body),
    });
    return res.json<Record<string, unknown>>();
  };
  const self = region.context.self.id;
  const card = TEST_CARDS.find((c) => c.region === self && c.outcome === 'green');
  if (card === undefined) throw new Error(`no green test card in ${self}`);
  const opened = await post('/v1/provisioning', {
    routingPrefix: card.pan.slice(0, 8),
    last4: card.pan.slice(-4),
    network: card.network,
    device: { encryptionKey: device.encryption.publicJwk },
  });
  const id = (opened as { session: { id: string } }).session.id;
  const { terms } = (await post(`/v1/provisioning/${id}/eligibility`, {})) as {
    terms: { id: string; hash: string };
  };
  await post(`/v1/provisioning/${id}/terms`, {
    termsId: terms.id,
    hash: terms.hash,
    accepted: true,
  });
  const regionKey = region.context.directory.key(self, 'encryption') as PublicJwk;
  const cardDetails = await encryptCardDetails(
    { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name },
    regionKey,
  );
  const ready = (await post(`/v1/provisioning/${id}/card`, { cardDetails })) as {
    session?: { state?: string };
  };
  if (ready.session?.state !== 'ready') throw new Error(`session ${id} not ready`);
  return id;
}

/** The `code` of what `work` throws (a DomicileError's stable code), or undefined when it returns. */
export function codeOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}
