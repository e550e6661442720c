import { describe, expect, it } from 'vitest';
import { isDomicileError } from '../errors/index.js';
import {
  decryptText,
  encryptJson,
  generateKeyPairJwk,
  signJson,
  TYP,
  verifyJson,
  type KeyPairJwk,
} from '../jose/index.js';
import { buildDirectoryDocument, parseRegionsConfig } from './directory-config.js';
import type { DirectoryKey } from './directory-schema.js';
import { signDirectory, verifyDirectory } from './directory-signature.js';
import { activeKey } from './key-validity.js';

const YAML = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:7101", routing: [{ from: "400000", to: "449999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
`;
const T = 1_800_000_000;

function listed(pair: KeyPairJwk, notBefore: number, notAfter?: number): DirectoryKey {
  return { ...pair.publicJwk, notBefore, ...(notAfter === undefined ? {} : { notAfter }) };
}

async function rotatedKeys(): Promise<{
  old: KeyPairJwk;
  next: KeyPairJwk;
  encOld: KeyPairJwk;
  encNext: KeyPairJwk;
  tsm: KeyPairJwk;
  keys: Map<string, { signing: DirectoryKey[]; encryption: DirectoryKey[]; tsm: DirectoryKey[] }>;
}> {
  const [old, next, encOld, encNext, tsm] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('enc'),
    generateKeyPairJwk('enc'),
    generateKeyPairJwk('sig'),
  ]);
  const keys = new Map([
    [
      'us',
      {
        signing: [listed(old, T - 100, T + 100), listed(next, T - 10)],
        encryption: [listed(encOld, T - 100, T + 100), listed(encNext, T - 10)],
        tsm: [listed(tsm, 0)],
      },
    ],
  ]);
  return { old, next, encOld, encNext, tsm, keys };
}

describe('directory key rotation', () => {
  it('lists several keys per purpose: the newest active one is used, every unexpired one accepted by kid', async () => {
    const { old, next, encOld, encNext, keys } = await rotatedKeys();
    const authority = await generateKeyPairJwk('sig');
    const doc = buildDirectoryDocument(parseRegionsConfig(YAML), keys, { serial: 7 });
    const directory = await verifyDirectory(
      await signDirectory(doc, authority.privateJwk),
      authority.publicJwk,
      {
        now: T,
      },
    );
    expect(directory.serial).toBe(7);
    expect(directory.key('us', 'signing', T)?.kid).toBe(next.publicJwk.kid);
    expect(directory.key('us', 'encryption', T)).toEqual(encNext.publicJwk);
    expect(directory.keyById('us', 'signing', old.publicJwk.kid, T)).toEqual(old.publicJwk);
    // Past its notAfter the old key is no longer accepted; a kid nobody listed never is.
    expect(directory.keyById('us', 'signing', old.publicJwk.kid, T + 100)).toBeUndefined();
    expect(directory.keyById('us', 'signing', 'nobody', T)).toBeUndefined();
    expect(directory.keyById('us', 'signing', undefined, T)).toBeUndefined();
    // What either key made still opens and verifies with the key its header names.
    const jws = await signJson({ a: 1 }, old.privateJwk, TYP.provisioningPayload);
    const byKid = directory.keyById('us', 'signing', old.publicJwk.kid, T);
    if (byKid === undefined) throw new Error('listed');
    expect(await verifyJson(jws, byKid, TYP.provisioningPayload)).toEqual({ a: 1 });
    const jwe = await encryptJson(
      { pan: 'x' },
      directory.key('us', 'encryption', T) ?? encOld.publicJwk,
      TYP.cardDetails,
    );
    expect(
      await decryptText(jwe, encNext.privateJwk, TYP.cardDetails, 'CARD_DETAILS_UNREADABLE'),
    ).toBe('{"pan":"x"}');
  });

  it('activates a key at its notBefore, and until then keeps using the current one', () => {
    const keys = [
      { kid: 'a', notBefore: 0, notAfter: T + 50 },
      { kid: 'b', notBefore: T + 10 },
    ];
    expect(activeKey(keys, T)?.kid).toBe('a');
    expect(activeKey(keys, T + 10)?.kid).toBe('b');
    expect(activeKey(keys, T + 50)?.kid).toBe('b');
    // Only future keys (a clock behind the region's): the one that activates first.
    expect(
      activeKey(
        [
          { kid: 'c', notBefore: T + 20 },
          { kid: 'd', notBefore: T + 10 },
        ],
        T,
      )?.kid,
    ).toBe('d');
    expect(activeKey([{ kid: 'e', notBefore: 0, notAfter: T }], T)).toBeUndefined();
  });

  it('refuses a lower serial than the one held (no rollback), and accepts the same or a higher one', async () => {
    const { keys } = await rotatedKeys();
    const authority = await generateKeyPairJwk('sig');
    const jws = await signDirectory(
      buildDirectoryDocument(parseRegionsConfig(YAML), keys, { serial: 5 }),
      authority.privateJwk,
    );
    await expect(
      verifyDirectory(jws, authority.publicJwk, { now: T, minSerial: 6 }),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'DIRECTORY_ROLLBACK'));
    expect((await verifyDirectory(jws, authority.publicJwk, { now: T, minSerial: 5 })).serial).toBe(
      5,
    );
  });

  it('refuses a directory whose key set for a region has only expired keys', async () => {
    const { keys } = await rotatedKeys();
    const authority = await generateKeyPairJwk('sig');
    const jws = await signDirectory(
      buildDirectoryDocument(parseRegionsConfig(YAML), keys, { serial: 1 }),
      authority.privateJwk,
    );
    const us = keys.get('us');
    if (us === undefined) throw new Error('fixture');
    const expiredOnly = new Map([['us', { ...us, signing: us.signing.slice(0, 1) }]]);
    const expired = await signDirectory(
      buildDirectoryDocument(parseRegionsConfig(YAML), expiredOnly, { serial: 2 }),
      authority.privateJwk,
    );
    expect((await verifyDirectory(expired, authority.publicJwk, { now: T })).serial).toBe(2);
    await expect(verifyDirectory(expired, authority.publicJwk, { now: T + 100 })).rejects.toSatisfy(
      (e) => isDomicileError(e, 'DIRECTORY_KEYS_EXPIRED'),
    );
    expect((await verifyDirectory(jws, authority.publicJwk, { now: T + 100 })).serial).toBe(1);
  });

  it('refuses a kid listed twice and a key that expires before it starts', async () => {
    const { old, keys } = await rotatedKeys();
    const authority = await generateKeyPairJwk('sig');
    const us = keys.get('us');
    if (us === undefined) throw new Error('fixture');
    for (const signing of [[listed(old, 0), listed(old, 5)], [listed(old, 10, 10)]]) {
      const doc = buildDirectoryDocument(parseRegionsConfig(YAML), new Map([['us', us]]), {
        serial: 1,
      });
      const bad = {
        ...doc,
        regions: doc.regions.map((r) => ({ ...r, keys: { ...r.keys, signing } })),
      };
      await expect(signDirectory(bad, authority.privateJwk)).rejects.toSatisfy((e) =>
        isDomicileError(e, 'DIRECTORY_INVALID'),
      );
    }
  });

  it('still reads a domicile-directory/1 document: one key per purpose, valid from 0', async () => {
    const { old, encOld, tsm } = await rotatedKeys();
    const authority = await generateKeyPairJwk('sig');
    const v1 = {
      format: 'domicile-directory/1',
      serial: 3,
      issuedAt: T,
      regions: [
        {
          ...parseRegionsConfig(YAML).regions[0],
          keys: { signing: old.publicJwk, encryption: encOld.publicJwk, tsm: tsm.publicJwk },
        },
      ],
    };
    const directory = await verifyDirectory(
      await signJson(v1, authority.privateJwk, TYP.directory),
      authority.publicJwk,
    );
    expect(directory.document.format).toBe('domicile-directory/2');
    expect(directory.keys('us', 'signing')).toEqual([{ ...old.publicJwk, notBefore: 0 }]);
    expect(directory.key('us', 'encryption')).toEqual(encOld.publicJwk);
  });

  it('rotates the authority: signed by both keys, a holder of the old key accepts it and moves its pin', async () => {
    const { keys } = await rotatedKeys();
    const oldAuthority = await generateKeyPairJwk('sig');
    const newAuthority = await generateKeyPairJwk('sig');
    const doc = buildDirectoryDocument(parseRegionsConfig(YAML), keys, {
      serial: 9,
      authority: newAuthority.publicJwk,
    });
    const both = await signDirectory(doc, [oldAuthority.privateJwk, newAuthority.privateJwk]);
    const byOldPin = await verifyDirectory(both, oldAuthority.publicJwk, { now: T });
    expect(byOldPin.authorityKey).toEqual(newAuthority.publicJwk);
    const byNewPin = await verifyDirectory(both, newAuthority.publicJwk, { now: T });
    expect(byNewPin.authorityKey).toEqual(newAuthority.publicJwk);
    // Later directories are signed by the new key alone: the moved pin accepts them, the old refuses.
    const later = await signDirectory({ ...doc, serial: 10 }, newAuthority.privateJwk);
    expect(
      (await verifyDirectory(later, byOldPin.authorityKey, { now: T, minSerial: 9 })).serial,
    ).toBe(10);
    await expect(verifyDirectory(later, oldAuthority.publicJwk, { now: T })).rejects.toSatisfy(
      (e) => isDomicileError(e, 'DIRECTORY_AUTHORITY_UNKNOWN'),
    );
  });

  it('refuses a forged authority rotation: a new key that did not sign, or signatures by unknown keys only', async () => {
    const { keys } = await rotatedKeys();
    const authority = await generateKeyPairJwk('sig');
    const forger = await generateKeyPairJwk('sig');
    const doc = buildDirectoryDocument(parseRegionsConfig(YAML), keys, {
      serial: 9,
      authority: forger.publicJwk,
    });
    // Naming a new authority key without its signature cannot move the pin.
    const claimOnly = await signDirectory(doc, authority.privateJwk);
    await expect(verifyDirectory(claimOnly, authority.publicJwk, { now: T })).rejects.toSatisfy(
      (e) => isDomicileError(e, 'DIRECTORY_INVALID'),
    );
    const forgedOnly = await signDirectory(doc, [
      forger.privateJwk,
      (await generateKeyPairJwk('sig')).privateJwk,
    ]);
    await expect(verifyDirectory(forgedOnly, authority.publicJwk, { now: T })).rejects.toSatisfy(
      (e) => isDomicileError(e, 'DIRECTORY_AUTHORITY_UNKNOWN'),
    );
    // A second signature cannot rescue a tampered payload.
    const both = JSON.parse(
      await signDirectory(doc, [authority.privateJwk, forger.privateJwk]),
    ) as {
      payload: string;
    };
    const tampered = JSON.stringify({
      ...both,
      payload: Buffer.from(JSON.stringify({ ...doc, serial: 99 })).toString('base64url'),
    });
    await expect(verifyDirectory(tampered, authority.publicJwk, { now: T })).rejects.toSatisfy(
      (e) => isDomicileError(e, 'DIRECTORY_INVALID'),
    );
  });
});
