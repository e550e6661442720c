import {
  buildDirectoryDocument,
  generateKeyPairJwk,
  signDirectory,
  verifyDirectory,
  type Directory,
  type KeyPairJwk,
  type PublicJwk,
  type RegionsConfig,
} from '@domicile/protocol';

/** The keys of one test region. */
export interface TestRegionKeys {
  readonly signing: KeyPairJwk;
  readonly encryption: KeyPairJwk;
  readonly tsm: KeyPairJwk;
}

/** A directory signed in the test by an authority key made in the test. */
export interface TestDirectory {
  readonly authority: KeyPairJwk;
  readonly jws: string;
  readonly directory: Directory;
  readonly keys: ReadonlyMap<string, TestRegionKeys>;
}

/** Three regions shaped like config/regions.yaml, on made-up hosts (tests route them in-process). */
export const TEST_REGIONS: RegionsConfig = {
  regions: [
    {
      id: 'us',
      name: 'United States',
      baseUrl: 'http://us.test',
      routing: [
        { from: '400000', to: '449999' },
        { from: '510000', to: '529999' },
      ],
      tokenRanges: [{ from: '489000', to: '489099' }],
    },
    {
      id: 'eu',
      name: 'European Union',
      baseUrl: 'http://eu.test',
      routing: [{ from: '450000', to: '479999' }],
      tokenRanges: [{ from: '489100', to: '489199' }],
    },
    {
      id: 'cn',
      name: 'China',
      baseUrl: 'http://cn.test',
      routing: [{ from: '620000', to: '629999' }],
      tokenRanges: [{ from: '489200', to: '489299' }],
    },
  ],
};

/** Makes fresh keys for every region and an authority, and signs the directory. */
export async function makeTestDirectory(
  config: RegionsConfig = TEST_REGIONS,
): Promise<TestDirectory> {
  const authority = await generateKeyPairJwk('sig');
  const keys = new Map<string, TestRegionKeys>();
  const publicKeys = new Map<
    string,
    { signing: PublicJwk; encryption: PublicJwk; tsm: PublicJwk }
  >();
  for (const r of config.regions) {
    const [signing, encryption, tsm] = await Promise.all([
      generateKeyPairJwk('sig'),
      generateKeyPairJwk('enc'),
      generateKeyPairJwk('sig'),
    ]);
    keys.set(r.id, { signing, encryption, tsm });
    publicKeys.set(r.id, {
      signing: signing.publicJwk,
      encryption: encryption.publicJwk,
      tsm: tsm.publicJwk,
    });
  }
  const jws = await signDirectory(
    buildDirectoryDocument(config, publicKeys, { serial: 1 }),
    authority.privateJwk,
  );
  return { authority, jws, directory: await verifyDirectory(jws, authority.publicJwk), keys };
}

/** The keys of a region of a test directory (throws for an unknown region, to keep tests short). */
export function regionKeys(dir: TestDirectory, region: string): TestRegionKeys {
  const k = dir.keys.get(region);
  if (k === undefined) throw new Error(`no test keys for ${region}`);
  return k;
}
