import { randomBytes } from 'node:crypto';
import type { api } from '@domicile/protocol';
import {
  buildDirectoryDocument,
  generateKeyPairJwk,
  parseRegionsConfig,
  signDirectory,
  verifyDirectory,
  type Directory,
  type KeyPairJwk,
} from '@domicile/protocol';
import { generateRegionKeySet, publicKeysOf, type FileRegionKeySet } from '../keys/index.js';
import { FIXTURE_REGIONS_YAML } from '../testing/region-fixture.js';

/** The network of {@link SignerDirectory}. */
export const TEST_NETWORK = 'test-net';

/** A signed directory of the sample regions and one network, with their signing keys. */
export interface SignerDirectory {
  readonly directory: Directory;
  readonly regions: ReadonlyMap<string, FileRegionKeySet>;
  readonly network: KeyPairJwk;
}

let made: Promise<SignerDirectory> | undefined;

/** One per test file: generating the regions' keys is the slow part. */
export function signerDirectory(): Promise<SignerDirectory> {
  made ??= (async () => {
    const config = {
      ...parseRegionsConfig(FIXTURE_REGIONS_YAML),
      networks: [{ id: TEST_NETWORK, name: 'Test' }],
    };
    const regions = new Map<string, FileRegionKeySet>();
    for (const r of config.regions) regions.set(r.id, await generateRegionKeySet(r.id));
    const [authority, network] = await Promise.all([
      generateKeyPairJwk('sig'),
      generateKeyPairJwk('sig'),
    ]);
    const doc = buildDirectoryDocument(
      config,
      new Map([...regions].map(([id, k]) => [id, publicKeysOf(k)])),
      { serial: 1, networkKeys: new Map([[TEST_NETWORK, network.publicJwk]]) },
    );
    const directory = await verifyDirectory(
      await signDirectory(doc, authority.privateJwk),
      authority.publicJwk,
    );
    return { directory, regions, network };
  })();
  return made;
}

/** A `jti` as signers make them. */
export const newJti = (): string => randomBytes(18).toString('base64url');

/** A well-formed authorization request: verification never reads more than its shape. */
export const AUTHORIZATION_REQUEST: api.AuthorizationRequest = {
  tokenNumber: '4890000000000000',
  tokenExpiry: { month: 12, year: 2030 },
  panSequenceNumber: '01',
  cvn: 18,
  arqc: '0123456789ABCDEF',
  emv: {
    '9F02': '000000001250',
    '9F03': '000000000000',
    '9F1A': '0840',
    '95': '0000000000',
    '5F2A': '0840',
    '9A': '300101',
    '9C': '00',
    '9F37': '01020304',
    '82': '1800',
    '9F36': '0001',
    '9F10': '06011203A00000',
  },
  channel: 'in_store',
  merchant: { id: 'shop-1', name: 'Corner Shop' },
};
