import { describe, expect, it } from 'vitest';
import {
  buildDirectoryDocument,
  generateKeyPairJwk,
  signDirectory,
  verifyDirectory,
  type DirectoryKey,
  type KeyPairJwk,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';
import { HeldDirectory, type HeldDirectoryState } from './held-directory.js';
import { TEST_REGIONS, makeTestDirectory, regionKeys } from './testing/test-directory.js';

const NOW = 1_800_000_000;

/** The test directory again, us's signing keys replaced by `signing`, signed by `signers`. */
async function reissued(
  base: Awaited<ReturnType<typeof makeTestDirectory>>,
  o: { serial: number; signing: DirectoryKey[]; signers: PrivateJwk[]; authority?: PublicJwk },
): Promise<string> {
  const keys = new Map(
    TEST_REGIONS.regions.map((r) => {
      const k = regionKeys(base, r.id);
      return [
        r.id,
        {
          signing: r.id === 'us' ? o.signing : k.signing.publicJwk,
          encryption: k.encryption.publicJwk,
          tsm: k.tsm.publicJwk,
        },
      ] as const;
    }),
  );
  const doc = buildDirectoryDocument(TEST_REGIONS, keys, {
    serial: o.serial,
    ...(o.authority === undefined ? {} : { authority: o.authority }),
  });
  return signDirectory(doc, o.signers);
}

function listed(pair: KeyPairJwk, notBefore: number, notAfter?: number): DirectoryKey {
  return { ...pair.publicJwk, notBefore, ...(notAfter === undefined ? {} : { notAfter }) };
}

function holder(
  base: Awaited<ReturnType<typeof makeTestDirectory>>,
  served: { jws: string },
  o: { refreshSeconds?: number; now?: () => number } = {},
): { held: HeldDirectory; fetched: string[]; adopted: HeldDirectoryState[] } {
  const fetched: string[] = [];
  const adopted: HeldDirectoryState[] = [];
  const held = new HeldDirectory({
    directory: base.directory,
    checkedAt: NOW,
    fetch: (region) => {
      fetched.push(region);
      return Promise.resolve(served.jws);
    },
    defaultRegion: 'us',
    adopt: (state) => {
      adopted.push(state);
      return Promise.resolve();
    },
    refreshSeconds: o.refreshSeconds ?? 0,
    now: o.now ?? (() => NOW),
  });
  return { held, fetched, adopted };
}

describe('HeldDirectory', () => {
  it('refreshes from the region when it meets an unknown kid, and then accepts old and new keys', async () => {
    const base = await makeTestDirectory();
    const old = regionKeys(base, 'us').signing;
    const next = await generateKeyPairJwk('sig');
    const served = {
      jws: await reissued(base, {
        serial: 2,
        signing: [listed(old, 0, NOW + 600), listed(next, NOW - 5)],
        signers: [base.authority.privateJwk],
      }),
    };
    const { held, fetched, adopted } = holder(base, served);
    expect(await held.keyFor('us', 'signing', old.publicJwk.kid)).toEqual(old.publicJwk);
    expect(fetched).toEqual([]);
    expect(await held.keyFor('us', 'signing', next.publicJwk.kid)).toEqual(next.publicJwk);
    expect(fetched).toEqual(['us']);
    expect(held.current.serial).toBe(2);
    expect(adopted).toEqual([
      { jws: served.jws, authorityKey: base.authority.publicJwk, checkedAt: NOW },
    ]);
    expect(await held.keyFor('us', 'signing', old.publicJwk.kid)).toEqual(old.publicJwk);
    // A kid nobody lists, even after a refresh, is no key.
    expect(await held.keyFor('us', 'signing', 'forged-kid')).toBeUndefined();
    expect(fetched).toEqual(['us', 'us']);
  });

  it('refuses a rollback: an older serial leaves the held directory as it is', async () => {
    const base = await makeTestDirectory();
    const next = await generateKeyPairJwk('sig');
    const newer = await reissued(base, {
      serial: 3,
      signing: [listed(next, 0)],
      signers: [base.authority.privateJwk],
    });
    const served = { jws: newer };
    const { held, adopted } = holder(base, served);
    await held.refresh();
    served.jws = base.jws;
    await expect(held.refresh()).rejects.toMatchObject({ code: 'DIRECTORY_ROLLBACK' });
    await expect(held.keyFor('us', 'signing', 'unknown')).rejects.toMatchObject({
      code: 'DIRECTORY_ROLLBACK',
    });
    expect(held.current.serial).toBe(3);
    expect(adopted).toHaveLength(1);
  });

  it('refreshes on a schedule, and a failed scheduled refresh keeps the held directory', async () => {
    const base = await makeTestDirectory();
    const served = {
      jws: await reissued(base, {
        serial: 2,
        signing: [listed(regionKeys(base, 'us').signing, 0)],
        signers: [base.authority.privateJwk],
      }),
    };
    let now = NOW;
    const { held, fetched } = holder(base, served, { refreshSeconds: 3600, now: () => now });
    await held.refreshIfDue();
    expect(fetched).toEqual([]);
    now += 3600;
    await held.refreshIfDue();
    expect(held.current.serial).toBe(2);
    now += 3600;
    served.jws = base.jws;
    await held.refreshIfDue();
    expect(fetched).toHaveLength(2);
    expect(held.current.serial).toBe(2);
  });

  it('follows an authority rotation signed by both keys, and refuses a directory signed by an unknown key', async () => {
    const base = await makeTestDirectory();
    const newAuthority = await generateKeyPairJwk('sig');
    const signing = [listed(regionKeys(base, 'us').signing, 0)];
    const served = {
      jws: await reissued(base, {
        serial: 2,
        signing,
        signers: [base.authority.privateJwk, newAuthority.privateJwk],
        authority: newAuthority.publicJwk,
      }),
    };
    const { held, adopted } = holder(base, served);
    await held.refresh();
    expect(held.current.authorityKey).toEqual(newAuthority.publicJwk);
    expect(adopted[0]?.authorityKey).toEqual(newAuthority.publicJwk);
    served.jws = await reissued(base, { serial: 3, signing, signers: [newAuthority.privateJwk] });
    expect((await held.refresh()).serial).toBe(3);
    const forger = await generateKeyPairJwk('sig');
    served.jws = await reissued(base, { serial: 4, signing, signers: [forger.privateJwk] });
    await expect(held.refresh()).rejects.toMatchObject({ code: 'DIRECTORY_AUTHORITY_UNKNOWN' });
    expect(held.current.serial).toBe(3);
    // The old authority alone no longer moves anything either.
    served.jws = await reissued(base, { serial: 5, signing, signers: [base.authority.privateJwk] });
    await expect(held.refresh()).rejects.toMatchObject({ code: 'DIRECTORY_AUTHORITY_UNKNOWN' });
    expect(await verifyDirectory(held.current.jws, newAuthority.publicJwk)).toBeDefined();
  });
});
