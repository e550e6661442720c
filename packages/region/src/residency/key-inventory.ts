import { stat } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { Directory } from '@domicile/protocol';
import { REGION_KEY_PURPOSES, type RegionKeySet } from '../keys/index.js';
import { vaultKeksOf } from '../vault/index.js';
import type { Database } from '../storage/index.js';
import { directoryKeyByKid } from './report-signing-key.js';

/** One key of a region, as a residency report lists it: never the key, only what it is. */
export interface KeyInventoryEntry {
  /** The key's id: the JWK `kid`, or the KEK id recorded beside every wrapped data key. */
  readonly kid: string;
  readonly purpose: 'signing' | 'encryption' | 'tsm' | 'kek';
  /** Where the private half lives. */
  readonly store: 'file' | 'hsm';
  /** The key file, for file keys. */
  readonly file?: string;
  /** Since when the key has been in use, as far as this region can tell, and how long that is. */
  readonly since: string;
  readonly ageDays: number;
  /** Public keys: whether the directory lists this `kid` for the region and purpose. */
  readonly inDirectory?: boolean;
  /** The KEK: how many vault records have their data key wrapped under it. */
  readonly vaultRecords?: number;
}

const DAY_MS = 86_400_000;

/**
 * The keys of a region key file: its three JOSE keys and its KEKs. A key's age runs from its
 * `notBefore` (a KEK: its `createdAt`), as `keys generate` and `keys rotate` write them, with or
 * without `--hsm`; only a key without one (a file from before rotation) takes the file's age: the
 * time it was last written, the latest that key can have been made.
 */
export async function fileKeyInventory(options: {
  readonly keys: RegionKeySet;
  readonly keyFile: string;
  readonly directory: Directory;
  readonly db: Kysely<Database>;
  readonly now: Date;
}): Promise<KeyInventoryEntry[]> {
  const { keys, keyFile, directory, now } = options;
  const since = (await stat(keyFile)).mtime;
  const ageFrom = (at: Date): { since: string; ageDays: number } => ({
    since: at.toISOString(),
    ageDays: Math.max(0, Math.floor((now.getTime() - at.getTime()) / DAY_MS)),
  });
  const age = ageFrom(since);
  // A key without its private half in the file is in the PKCS#11 token, under its kid.
  const jose = REGION_KEY_PURPOSES.flatMap((purpose) =>
    keys[purpose].map((key) => ({
      kid: key.kid,
      purpose,
      ...(key.d === undefined
        ? { store: 'hsm' as const }
        : { store: 'file' as const, file: keyFile }),
      ...(key.notBefore === undefined ? age : ageFrom(new Date(key.notBefore * 1000))),
      inDirectory: directoryKeyByKid(directory, keys.region, purpose, key.kid) !== undefined,
    })),
  );
  const keks = await Promise.all(
    vaultKeksOf(keys.secrets).map(async (kek) => {
      const records = await options.db
        .selectFrom('vault_records')
        .select(sql<number>`count(*)`.as('n'))
        .where('kek_id', '=', kek.id)
        .executeTakeFirst();
      return {
        kid: kek.id,
        purpose: 'kek' as const,
        ...(kek.key === undefined
          ? { store: 'hsm' as const }
          : { store: 'file' as const, file: keyFile }),
        ...(kek.createdAt === undefined ? age : ageFrom(new Date(kek.createdAt))),
        vaultRecords: Number(records?.n ?? 0),
      };
    }),
  );
  return [...jose, ...keks];
}
