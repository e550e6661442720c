import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  generateKeyPairJwk,
  type PrivateJwk,
  type PublicJwk,
  definedProps,
} from '@domicile/protocol';
import { readKeyFile } from './read-key-file.js';

const PrivateJwkSchema = Type.Object({
  kty: Type.Literal('EC'),
  crv: Type.Literal('P-256'),
  x: Type.String(),
  y: Type.String(),
  d: Type.String(),
  kid: Type.String(),
  alg: Type.Optional(Type.String()),
  use: Type.Optional(Type.String()),
});
/**
 * A region signing key (signing, TSM) as the key file holds it: with its private half `d`, or
 * without, when the private half is in an HSM under the label of its `kid` (`keyProvider`
 * `pkcs11`); the public half is always here, for the directory.
 */
const RegionSigningJwkSchema = Type.Object({
  ...PrivateJwkSchema.properties,
  d: Type.Optional(Type.String()),
});
const Base64Url32 = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

/**
 * Everything secret a region holds, in one file per region (`keys/<region>.keys.json`). Public
 * halves of the three JOSE keys go into the directory; the secrets never leave the region.
 */
export const RegionKeySetSchema = Type.Object({
  region: Type.String(),
  signing: RegionSigningJwkSchema,
  encryption: PrivateJwkSchema,
  tsm: RegionSigningJwkSchema,
  secrets: Type.Object({
    /**
     * Key-encryption key of the vault (AES-256), and its id recorded beside each wrapped data key.
     * Without `vaultKek` the KEK is in an HSM, under the label `vaultKekId`.
     */
    vaultKek: Type.Optional(Base64Url32),
    vaultKekId: Type.String({ minLength: 1, maxLength: 64 }),
    /** HMAC key for the card-number hash used for de-duplication. */
    panHashKey: Base64Url32,
    /** HMAC key for pairwise pseudonyms and one-time-code hashes. */
    pseudonymKey: Base64Url32,
    /** Issuer master key for application cryptograms (EMV IMK-AC), 16 bytes as hex. */
    issuerMasterKey: Type.String({ pattern: '^[0-9A-F]{32}$' }),
  }),
});

/** A region signing key in the key file: a public JWK, with its private half unless in an HSM. */
export type RegionSigningJwk = PublicJwk & { readonly d?: string };

export type RegionKeySet = Static<typeof RegionKeySetSchema> & {
  signing: RegionSigningJwk;
  encryption: PrivateJwk;
  tsm: RegionSigningJwk;
};

/** A key set with every key in the file (`keys generate` without `--hsm`). */
export type FileRegionKeySet = RegionKeySet & {
  signing: PrivateJwk;
  tsm: PrivateJwk;
  secrets: RegionKeySet['secrets'] & { vaultKek: string };
};

export async function generateRegionKeySet(region: string): Promise<FileRegionKeySet> {
  const [signing, encryption, tsm] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('enc'),
    generateKeyPairJwk('sig'),
  ]);
  return {
    region,
    signing: signing.privateJwk,
    encryption: encryption.privateJwk,
    tsm: tsm.privateJwk,
    secrets: {
      vaultKek: randomBytes(32).toString('base64url'),
      vaultKekId: `${region}-kek-1`,
      panHashKey: randomBytes(32).toString('base64url'),
      pseudonymKey: randomBytes(32).toString('base64url'),
      issuerMasterKey: randomBytes(16).toString('hex').toUpperCase(),
    },
  };
}

export function publicKeysOf(keys: RegionKeySet): {
  signing: PublicJwk;
  encryption: PublicJwk;
  tsm: PublicJwk;
} {
  const pub = (k: PublicJwk): PublicJwk => {
    const { kty, crv, x, y, kid, alg, use } = k;
    return { kty, crv, x, y, kid, ...definedProps({ alg, use }) };
  };
  return { signing: pub(keys.signing), encryption: pub(keys.encryption), tsm: pub(keys.tsm) };
}

export async function saveRegionKeySet(path: string, keys: RegionKeySet): Promise<void> {
  await writeFile(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
}

export async function loadRegionKeySet(path: string): Promise<RegionKeySet> {
  const parsed = await readKeyFile(path);
  if (!Value.Check(RegionKeySetSchema, parsed))
    throw new DomicileError('CONFIG_INVALID', { details: { file: path } });
  return parsed as RegionKeySet;
}
