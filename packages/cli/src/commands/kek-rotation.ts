import { open, rename } from 'node:fs/promises';
import { DomicileError } from '@domicile/protocol';
import {
  loadRegionKeySet,
  openDatabase,
  retireVaultKek,
  rewrapProgress,
  withNewVaultKek,
  type RegionKeySet,
  type RewrapProgress,
} from '@domicile/region';
import { paths } from '../deployment/deployment-files.js';
import type { CliIo } from '../io/index.js';

/** What `keys rotate --purpose kek` did. */
export interface KekRotation {
  readonly region: string;
  readonly kekId: string;
  /** The KEKs the key file still holds for records not yet re-wrapped. */
  readonly previous: readonly string[];
  readonly keyFile: string;
}

/**
 * `domicile keys rotate --purpose kek`: adds a new vault KEK to the region's key file and makes
 * it the current one. Nodes started with the file wrap new records under it, and their re-wrap
 * worker moves the old records to it while they serve; the old KEKs stay in the file until
 * `keys retire` removes them. The file is replaced atomically: a crash leaves the old file or
 * the new one, never a torn one without a KEK that records still need.
 */
export async function rotateVaultKek(dir: string, region: string): Promise<KekRotation> {
  const keyFile = paths.regionKeys(dir, region);
  const keys = await loadRegionKeySet(keyFile);
  const { secrets, kekId } = withNewVaultKek(region, keys.secrets);
  await replaceKeyFile(keyFile, { ...keys, secrets });
  const previous = (secrets.vaultKeks ?? []).map((kek) => kek.id).filter((id) => id !== kekId);
  return { region, kekId, previous, keyFile };
}

/**
 * `domicile keys retire --purpose kek`: removes a vault KEK from the key file once no record of
 * the region's database uses it (`VAULT_KEK_IN_USE` otherwise, `VAULT_KEK_UNKNOWN` for an id
 * the file does not hold). Its material is gone for good: only a backup of the file keeps it.
 */
export async function retireKek(
  dir: string,
  region: string,
  databaseUrl: string,
  kekId: string,
): Promise<{ region: string; kekId: string; keyFile: string }> {
  const keyFile = paths.regionKeys(dir, region);
  const keys = await loadRegionKeySet(keyFile);
  const db = await openDatabase(databaseUrl);
  try {
    const secrets = await retireVaultKek(db, keys.secrets, kekId);
    await replaceKeyFile(keyFile, { ...keys, secrets });
  } finally {
    await db.destroy();
  }
  return { region, kekId, keyFile };
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
async function replaceKeyFile(file: string, keys: RegionKeySet): Promise<void> {
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
