import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  acceptedKey,
  definedProps,
  activeKey,
  epochSeconds,
  generateKeyPairJwk,
  isKeyAccepted,
  toPublicJwk,
  type Directory,
  type DirectoryKey,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';
import { readKeyFile } from './read-key-file.js';

/**
 * One region JOSE key in the key file. Without the private half `d`, the key is held in the HSM
 * under the label `kid`. `notBefore`/`notAfter` (seconds since the epoch) bound its use: absent,
 * from always and until removed.
 */
const RegionKeySchema = Type.Object({
  kty: Type.Literal('EC'),
  crv: Type.Literal('P-256'),
  x: Type.String(),
  y: Type.String(),
  d: Type.Optional(Type.String()),
  kid: Type.String({ minLength: 1, maxLength: 128 }),
  alg: Type.Optional(Type.String()),
  use: Type.Optional(Type.String()),
  notBefore: Type.Optional(Type.Integer({ minimum: 0 })),
  notAfter: Type.Optional(Type.Integer({ minimum: 0 })),
});
/** A purpose's keys: a list, old and new; a file from before rotation holds one key, not a list. */
const RegionKeyListSchema = Type.Union([
  RegionKeySchema,
  Type.Array(RegionKeySchema, { minItems: 1, maxItems: 16 }),
]);
const Base64Url32 = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

/**
 * Everything secret a region holds, in one file per region (`keys/<region>.keys.json`). Public
 * halves of the three JOSE keys go into the directory; the secrets never leave the region.
 */
export const RegionKeySetSchema = Type.Object({
  region: Type.String(),
  signing: RegionKeyListSchema,
  encryption: RegionKeyListSchema,
  tsm: RegionKeyListSchema,
  secrets: Type.Object({
    /**
     * Key-encryption key of the vault (AES-256), and its id recorded beside each wrapped data key.
     * Without `vaultKek` the KEK is in an HSM, under the label `vaultKekId`.
     */
    vaultKek: Type.Optional(Base64Url32),
    vaultKekId: Type.String({ minLength: 1, maxLength: 64 }),
    /**
     * Every KEK that may still wrap a record, the current one (`vaultKekId`) among them, after a
     * KEK rotation; a file without it holds only `vaultKek` (see `vault/vault-keks.ts`). An
     * entry without `key` lives in the region's PKCS#11 token under the label `id`.
     */
    vaultKeks: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String({ minLength: 1, maxLength: 64 }),
          key: Type.Optional(Base64Url32),
          /** When it was made (ISO 8601), for the key inventory; unknown for a file's first KEK. */
          createdAt: Type.Optional(Type.String()),
        }),
      ),
    ),
    /** HMAC key for the card-number hash used for de-duplication. */
    panHashKey: Base64Url32,
    /** HMAC key for pairwise pseudonyms and one-time-code hashes. */
    pseudonymKey: Base64Url32,
    /** Issuer master key for application cryptograms (EMV IMK-AC), 16 bytes as hex. */
    issuerMasterKey: Type.String({ pattern: '^[0-9A-F]{32}$' }),
  }),
});

/** A region JOSE key: its public JWK, maybe its private half, and its validity. */
export interface RegionKey extends PublicJwk {
  d?: string;
  notBefore?: number;
  notAfter?: number;
}

/** The purposes of a region's rotating JOSE keys. */
export type RegionKeyPurpose = 'signing' | 'encryption' | 'tsm';
export const REGION_KEY_PURPOSES: readonly RegionKeyPurpose[] = ['signing', 'encryption', 'tsm'];

/** A region key file as loaded: each purpose a list of keys, oldest first. */
export type RegionKeySet = Omit<Static<typeof RegionKeySetSchema>, RegionKeyPurpose> &
  Record<RegionKeyPurpose, RegionKey[]>;

/** A key set with every key in the file (`keys generate` without `--hsm`). */
export type FileRegionKeySet = RegionKeySet & {
  secrets: RegionKeySet['secrets'] & { vaultKek: string };
};

export async function generateRegionKeySet(region: string): Promise<FileRegionKeySet> {
  const [signing, encryption, tsm] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('enc'),
    generateKeyPairJwk('sig'),
  ]);
  const notBefore = epochSeconds();
  return {
    region,
    signing: [{ ...signing.privateJwk, notBefore }],
    encryption: [{ ...encryption.privateJwk, notBefore }],
    tsm: [{ ...tsm.privateJwk, notBefore }],
    secrets: {
      vaultKek: randomBytes(32).toString('base64url'),
      vaultKekId: `${region}-kek-1`,
      panHashKey: randomBytes(32).toString('base64url'),
      pseudonymKey: randomBytes(32).toString('base64url'),
      issuerMasterKey: randomBytes(16).toString('hex').toUpperCase(),
    },
  };
}

/**
 * The key a region signs or encrypts with now for a purpose: its newest active key (see
 * `activeKey`). `CONFIG_INVALID` when every key of the purpose has expired.
 */
export function activeRegionKey(
  keys: RegionKeySet,
  purpose: RegionKeyPurpose,
  at: number = epochSeconds(),
): RegionKey {
  const key = activeKey(keys[purpose], at);
  if (key === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `every ${purpose} key of region ${keys.region} has expired` },
    });
  return key;
}

/** The private JWK of a file key; `CONFIG_INVALID` for a key held in the HSM (no `d`). */
export function privateJwkOf(key: RegionKey): PrivateJwk {
  const { kty, crv, x, y, kid, alg, use, d } = key;
  if (d === undefined)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `key ${key.kid} is held in an HSM, not in the key file` },
    });
  return { kty, crv, x, y, kid, d, ...definedProps({ alg, use }) };
}

/** The public halves of the keys each purpose uses now: one key per purpose. */
export function publicKeysOf(
  keys: RegionKeySet,
  at: number = epochSeconds(),
): Record<RegionKeyPurpose, PublicJwk> {
  return {
    signing: toPublicJwk(activeRegionKey(keys, 'signing', at)),
    encryption: toPublicJwk(activeRegionKey(keys, 'encryption', at)),
    tsm: toPublicJwk(activeRegionKey(keys, 'tsm', at)),
  };
}

/** What the directory lists for a region: every key not yet expired, with its validity. */
export function directoryKeysOf(
  keys: RegionKeySet,
  at: number = epochSeconds(),
): Record<RegionKeyPurpose, DirectoryKey[]> {
  const listed = (purpose: RegionKeyPurpose): DirectoryKey[] =>
    keys[purpose]
      .filter((k) => isKeyAccepted(k, at))
      .map((k) => ({
        ...toPublicJwk(k),
        notBefore: k.notBefore ?? 0,
        ...(k.notAfter === undefined ? {} : { notAfter: k.notAfter }),
      }));
  return { signing: listed('signing'), encryption: listed('encryption'), tsm: listed('tsm') };
}

export async function saveRegionKeySet(path: string, keys: RegionKeySet): Promise<void> {
  await writeFile(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
}

export async function loadRegionKeySet(path: string): Promise<RegionKeySet> {
  const parsed = await readKeyFile(path);
  if (!Value.Check(RegionKeySetSchema, parsed))
    throw new DomicileError('CONFIG_INVALID', { details: { file: path } });
  const list = (k: Static<typeof RegionKeyListSchema>): RegionKey[] =>
    (Array.isArray(k) ? k : [k]) as RegionKey[];
  const keys: RegionKeySet = {
    ...parsed,
    signing: list(parsed.signing),
    encryption: list(parsed.encryption),
    tsm: list(parsed.tsm),
  };
  // The region decrypts card details itself: its encryption keys are never HSM-held.
  if (keys.encryption.some((k) => k.d === undefined))
    throw new DomicileError('CONFIG_INVALID', {
      details: { file: path, reason: 'an encryption key has no private half' },
    });
  return keys;
}

/** The private JWK a file-key region signs with now for a purpose. */
export function activePrivateJwk(keys: RegionKeySet, purpose: RegionKeyPurpose): PrivateJwk {
  return privateJwkOf(activeRegionKey(keys, purpose));
}

/**
 * The key file key a JOSE header names by `kid` for a purpose, if it has not expired: how the
 * region picks the encryption key of a card-details JWE.
 */
export function acceptedRegionKey(
  keys: RegionKeySet,
  purpose: RegionKeyPurpose,
  kid: string | undefined,
  at: number = epochSeconds(),
): RegionKey | undefined {
  return acceptedKey(keys[purpose], kid, at);
}

/**
 * Refuses to start a region whose directory does not list every key of its key file that is
 * still accepted: a key the directory does not list would sign what no peer can verify.
 */
export function checkKeysListed(directory: Directory, keys: RegionKeySet, at: number): void {
  for (const purpose of REGION_KEY_PURPOSES) {
    for (const key of keys[purpose]) {
      if (!isKeyAccepted(key, at)) continue;
      const listed = directory.keys(keys.region, purpose).find((k) => k.kid === key.kid);
      if (listed === undefined || listed.x !== key.x || listed.y !== key.y)
        throw new DomicileError('CONFIG_INVALID', {
          details: {
            reason: `the directory does not list ${purpose} key ${key.kid} of region ${keys.region}: sign the directory again`,
          },
        });
    }
  }
  activeRegionKey(keys, 'signing', at);
  activeRegionKey(keys, 'encryption', at);
  activeRegionKey(keys, 'tsm', at);
}
