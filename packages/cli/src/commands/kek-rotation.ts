import { open, rename } from 'node:fs/promises';
import { DomicileError } from '@domicile/protocol';
import {
  destroyPkcs11Kek,
  loadRegionKeySet,
  openDatabase,
  retireVaultKek,
  rewrapProgress,
  rotateRegionKeyInHsm,
  vaultKeksOf,
  withNewVaultKek,
  type Pkcs11TokenOptions,
  type RegionKeySet,
  type RewrapProgress,
} from '@domicile/region';
import { paths } from '../deployment/deployment-files.js';
import type { CliIo } from '../io/index.js';

/** What `keys rotate --purpose kek` did. */
export interface KekRotation {
  readonly region: string;
  readonly kekId: string;
  /** Where the new KEK is: the key file, or the PKCS#11 token under the label `kekId`. */
  readonly store: 'file' | 'hsm';
  /** The KEKs the key file still holds for records not yet re-wrapped. */
  readonly previous: readonly string[];
  readonly keyFile: string;
}

/** Options of {@link rotateVaultKek}. */
export interface RotateVaultKekOptions {
  /** Make the new KEK in this token, not in the key file. */
  readonly hsm?: Pkcs11TokenOptions | undefined;
  /** Called with the rotation before the key file changes (the audit row): a throw stops it. */
  readonly beforeSave?: (rotation: { kekId: string; previousKid: string }) => Promise<void>;
}

/**
 * `domicile keys rotate --purpose kek`: adds a new vault KEK to the region's key file and makes
 * it the current one, in the file, or with `hsm` in the token (non-extractable, labelled
 * `<region>-kek-<8 hex>`, listed by its id alone). Nodes started with the file wrap new records
 * under it, and their re-wrap worker moves the old records to it while they serve; the old KEKs
 * stay listed until `keys retire` removes them. The file is replaced atomically: a crash leaves
 * the old file or the new one, never a torn one without a KEK that records still need.
 */
export async function rotateVaultKek(
  dir: string,
  region: string,
  options: RotateVaultKekOptions = {},
): Promise<KekRotation> {
  const keyFile = paths.regionKeys(dir, region);
  const keys = await loadRegionKeySet(keyFile);
  const previousKid = keys.secrets.vaultKekId;
  let secrets: RegionKeySet['secrets'];
  let kekId: string;
  if (options.hsm === undefined) ({ secrets, kekId } = withNewVaultKek(region, keys.secrets));
  else {
    const rotated = await rotateRegionKeyInHsm(options.hsm, keys, 'kek', { retireAfter: 0 });
    ({ secrets } = rotated.keys);
    kekId = rotated.kid;
  }
  await options.beforeSave?.({ kekId, previousKid });
  await replaceKeyFile(keyFile, { ...keys, secrets });
  const previous = (secrets.vaultKeks ?? []).map((kek) => kek.id).filter((id) => id !== kekId);
  return { region, kekId, store: options.hsm === undefined ? 'file' : 'hsm', previous, keyFile };
}

/** What `keys retire --purpose kek` did. */
export interface KekRetirement {
  readonly region: string;
  readonly kekId: string;
  /** Where the KEK was: its material in the key file, or an object in the PKCS#11 token. */
  readonly store: 'file' | 'hsm';
  /** A token KEK: whether its object was destroyed too (`--destroy`), else it is left there. */
  readonly destroyed: boolean;
  readonly keyFile: string;
}

/**
 * `domicile keys retire --purpose kek`: removes a vault KEK from the key file once no record of
 * the region's database uses it (`VAULT_KEK_IN_USE` otherwise, `VAULT_KEK_UNKNOWN` for an id
 * the file does not hold). A file KEK's material is gone for good: only a backup of the file
 * keeps it. A token KEK's object stays in the token, so a retirement made too early can be
 * undone by listing it again, unless `destroyIn` names the token: then its object is destroyed,
 * after the key file no longer lists it (a failed destroy leaves only an unused object).
 */
export async function retireKek(
  dir: string,
  region: string,
  databaseUrl: string,
  kekId: string,
  options: { readonly destroyIn?: Pkcs11TokenOptions } = {},
): Promise<KekRetirement> {
  const keyFile = paths.regionKeys(dir, region);
  const keys = await loadRegionKeySet(keyFile);
  const inToken = vaultKeksOf(keys.secrets).find((kek) => kek.id === kekId)?.key === undefined;
  const db = await openDatabase(databaseUrl);
  try {
    const secrets = await retireVaultKek(db, keys.secrets, kekId);
    if (options.destroyIn !== undefined && !inToken)
      throw new DomicileError('CONFIG_INVALID', {
        details: { kekId, reason: 'this KEK is in the key file, not in the token: no --destroy' },
      });
    await replaceKeyFile(keyFile, { ...keys, secrets });
  } finally {
    await db.destroy();
  }
  if (options.destroyIn !== undefined) await destroyPkcs11Kek(options.destroyIn, kekId);
  return {
    region,
    kekId,
    store: inToken ? 'hsm' : 'file',
    destroyed: options.destroyIn !== undefined,
    keyFile,
  };
}

/** Options of {@link followRewrap}. */
export interface FollowRewrapOptions {
  readonly dir: string;
  readonly region: string;
  readonly databaseUrl: string;
  /** Keep reading until no record is left under an old KEK. */
  readonly wait: boolean;
  readonly intervalMs: number;
  /** Give up waiting after this long (`VAULT_KEK_IN_USE`, with the records left). */
  readonly timeoutMs?: number;
}

/**
 * `domicile keys rewrap-status`: the re-wrap's progress as the database tells it (the current
 * KEK from the key file). With `wait`, reads again every `intervalMs` until nothing is left, and
 * shows the progress on standard error: a bar redrawn in place on a terminal, else a line each
 * time the count moves. Returns the last reading.
 */
export async function followRewrap(
  io: CliIo,
  options: FollowRewrapOptions,
): Promise<RewrapProgress> {
  const keys = await loadRegionKeySet(paths.regionKeys(options.dir, options.region));
  const db = await openDatabase(options.databaseUrl);
  try {
    return await follow(io, db, keys, options);
  } finally {
    await db.destroy();
  }
}

async function follow(
  io: CliIo,
  db: Awaited<ReturnType<typeof openDatabase>>,
  keys: RegionKeySet,
  options: FollowRewrapOptions,
): Promise<RewrapProgress> {
  const started = io.parts.now();
  const tty = io.parts.stderrIsTty === true;
  let shown: number | undefined;
  for (;;) {
    const progress = await rewrapProgress(db, keys.secrets.vaultKekId);
    if (!options.wait) return progress;
    if (progress.remaining !== shown) {
      shown = progress.remaining;
      if (tty) io.parts.stderr(`\r${progressBar(progress)}\x1b[K`);
      else io.err(progressLine(progress));
    }
    if (progress.remaining === 0) {
      if (tty) io.parts.stderr('\n');
      return progress;
    }
    if (options.timeoutMs !== undefined && io.parts.now() - started >= options.timeoutMs) {
      if (tty) io.parts.stderr('\n');
      throw new DomicileError('VAULT_KEK_IN_USE', {
        details: { reason: 'rewrap_unfinished', records: progress.remaining },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

const BAR_WIDTH = 30;

/** `[#########---------]  45.0%  45000/100000 records under us-kek-2`. */
export function progressBar(progress: RewrapProgress): string {
  const share = progress.total === 0 ? 1 : progress.current / progress.total;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${progressLine(progress)}`;
}

/** `45.0%  45000/100000 records under us-kek-2, 55000 left`. */
export function progressLine(progress: RewrapProgress): string {
  const percent = progress.total === 0 ? 100 : (100 * progress.current) / progress.total;
  return `${percent.toFixed(1).padStart(5)}%  ${progress.current}/${progress.total} records under ${progress.currentKekId}, ${progress.remaining} left`;
}

/** Writes the key file beside itself, flushes it, and renames it over the old one. */
export async function replaceKeyFile(file: string, keys: RegionKeySet): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(keys, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
