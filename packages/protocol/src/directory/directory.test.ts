import { describe, expect, it } from 'vitest';
import { isDomicileError } from '../errors/index.js';
import { generateKeyPairJwk, signJson, TYP, type PublicJwk } from '../jose/index.js';
import { buildDirectoryDocument, parseRegionsConfig } from './directory-config.js';
import { signDirectory, verifyDirectory } from './directory-signature.js';
import type { DirectoryDocument } from './directory-schema.js';

const YAML = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:7101", routing: [{ from: "400000", to: "449999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
  - { id: cn, name: CN, baseUrl: "http://127.0.0.1:7103", routing: [{ from: "620000", to: "629999" }], tokenRanges: [{ from: "489200", to: "489299" }] }
`;

async function regionKeys(): Promise<{
  signing: PublicJwk;
  encryption: PublicJwk;
  tsm: PublicJwk;
}> {
  const [s, e, t] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('enc'),
    generateKeyPairJwk('sig'),
  ]);
  return { signing: s.publicJwk, encryption: e.publicJwk, tsm: t.publicJwk };
}

async function fixture(): Promise<{
  doc: DirectoryDocument;
  authority: Awaited<ReturnType<typeof generateKeyPairJwk>>;
}> {
  const authority = await generateKeyPairJwk('sig');
  const keys = new Map([
    ['us', await regionKeys()],
    ['cn', await regionKeys()],
  ]);
  return { doc: buildDirectoryDocument(parseRegionsConfig(YAML), keys, { serial: 1 }), authority };
}

describe('region directory', () => {
  it('verifies with the authority key and routes cards and tokens', async () => {
    const { doc, authority } = await fixture();
    const directory = await verifyDirectory(
      await signDirectory(doc, authority.privateJwk),
      authority.publicJwk,
    );
    expect(directory.routeCard('41111111')).toMatchObject({ kind: 'region', region: { id: 'us' } });
    expect(directory.routeCard('62123456')).toMatchObject({ kind: 'region', region: { id: 'cn' } });
    expect(directory.routeCard('99999999')).toEqual({ kind: 'unknown' });
    expect(directory.regionForToken('4892001234567890')?.id).toBe('cn');
    expect(directory.regionAt('http://127.0.0.1:7101/')?.id).toBe('us');
  });

  it('refuses a directory signed by another key', async () => {
    const { doc } = await fixture();
    const other = await generateKeyPairJwk('sig');
    const authority = await generateKeyPairJwk('sig');
    const jws = await signDirectory(doc, other.privateJwk);
    await expect(verifyDirectory(jws, authority.publicJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_AUTHORITY_UNKNOWN'),
    );
    // Another key under the pinned key's kid: a bad signature, not an unknown signer.
    const posing = await signDirectory(doc, { ...other.privateJwk, kid: authority.publicJwk.kid });
    await expect(verifyDirectory(posing, authority.publicJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_INVALID'),
    );
  });

  it('refuses a tampered payload and a wrong typ', async () => {
    const { doc, authority } = await fixture();
    const [h, , s] = (await signDirectory(doc, authority.privateJwk)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...doc, serial: 2 })).toString('base64url');
    await expect(verifyDirectory(`${h}.${forged}.${s}`, authority.publicJwk)).rejects.toSatisfy(
      (e) => isDomicileError(e, 'DIRECTORY_INVALID'),
    );
    const wrongTyp = await signJson(doc, authority.privateJwk, TYP.redirectAssertion);
    await expect(verifyDirectory(wrongTyp, authority.publicJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_INVALID'),
    );
  });

  it('refuses overlapping ranges, even between card and token ranges', async () => {
    const { doc, authority } = await fixture();
    const us = doc.regions[0];
    if (us === undefined) throw new Error('fixture');
    const bad = {
      ...doc,
      regions: [
        { ...us, tokenRanges: [{ from: '620000', to: '620099' }] },
        ...doc.regions.slice(1),
      ],
    };
    await expect(signDirectory(bad, authority.privateJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_INVALID'),
    );
    const signedAnyway = await signJson(bad, authority.privateJwk, TYP.directory);
    await expect(verifyDirectory(signedAnyway, authority.publicJwk)).rejects.toSatisfy((e) =>
      isDomicileError(e, 'DIRECTORY_INVALID'),
    );
  });

  it('reports bad YAML as CONFIG_INVALID', () => {
    expect(() => parseRegionsConfig('regions: [ {')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error,
    );
    expect(() => parseRegionsConfig('regions: [{ id: us }]')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error,
    );
  });
});
