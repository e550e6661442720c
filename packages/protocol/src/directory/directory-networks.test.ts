import { describe, expect, it } from 'vitest';
import { isDomicileError } from '../errors/index.js';
import { generateKeyPairJwk, signJson, TYP, type PublicJwk } from '../jose/index.js';
import { buildDirectoryDocument, parseRegionsConfig } from './directory-config.js';
import { signDirectory, verifyDirectory } from './directory-signature.js';

const YAML = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:7101", routing: [{ from: "400000", to: "449999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
networks:
  - { id: sandbox-net, name: Sandbox Network, baseUrl: "http://127.0.0.1:7200" }
`;

async function regionKeys(): Promise<
  ReadonlyMap<string, { signing: PublicJwk; encryption: PublicJwk; tsm: PublicJwk }>
> {
  const [s, e, t] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('enc'),
    generateKeyPairJwk('sig'),
  ]);
  return new Map([['us', { signing: s.publicJwk, encryption: e.publicJwk, tsm: t.publicJwk }]]);
}

describe('directory networks', () => {
  it('lists each configured network with its signing key, at the base URL given for it', async () => {
    const authority = await generateKeyPairJwk('sig');
    const network = await generateKeyPairJwk('sig');
    const doc = buildDirectoryDocument(parseRegionsConfig(YAML), await regionKeys(), {
      serial: 1,
      networkKeys: new Map([['sandbox-net', network.publicJwk]]),
      networkBaseUrls: new Map([['sandbox-net', 'http://127.0.0.1:9999']]),
    });
    const directory = await verifyDirectory(
      await signDirectory(doc, authority.privateJwk),
      authority.publicJwk,
    );
    expect(directory.network('sandbox-net')).toEqual({
      id: 'sandbox-net',
      name: 'Sandbox Network',
      baseUrl: 'http://127.0.0.1:9999',
      keys: { signing: network.publicJwk },
    });
    expect(directory.network('other')).toBeUndefined();
    expect(directory.networks).toHaveLength(1);
  });

  it('needs a key for every network, and lists none when the config has none', async () => {
    expect(() =>
      buildDirectoryDocument(parseRegionsConfig(YAML), new Map(), { serial: 1 }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    const keys = await regionKeys();
    expect(() => buildDirectoryDocument(parseRegionsConfig(YAML), keys, { serial: 1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error,
    );
    const withoutNetworks = buildDirectoryDocument(
      parseRegionsConfig(YAML.split('networks:')[0] ?? ''),
      keys,
      { serial: 1 },
    );
    expect(withoutNetworks).not.toHaveProperty('networks');
  });

  it('refuses a directory that lists a network twice', async () => {
    const authority = await generateKeyPairJwk('sig');
    const network = await generateKeyPairJwk('sig');
    const doc = buildDirectoryDocument(parseRegionsConfig(YAML), await regionKeys(), {
      serial: 1,
      networkKeys: new Map([['sandbox-net', network.publicJwk]]),
    });
    const twice = { ...doc, networks: [...(doc.networks ?? []), ...(doc.networks ?? [])] };
    await expect(signDirectory(twice, authority.privateJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_INVALID'),
    );
    const signedAnyway = await signJson(twice, authority.privateJwk, TYP.directory);
    await expect(verifyDirectory(signedAnyway, authority.publicJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_INVALID'),
    );
  });
});
