/**
 * `npx tsx bench/kek-rewrap.ts [records] [--db URL]`: how long re-wrapping a vault of `records`
 * records (default 100,000) to a new KEK takes: the records are sealed under the region's first
 * KEK, the key file is rotated (`keys rotate --purpose kek`), and batches of 500 are re-wrapped
 * back to back (unwrap, wrap, verify, compare-and-set), as the region's re-wrap worker does them
 * but without its rests. In a serving region the worker rests twice as long as each batch took,
 * so it needs about three times this. A fresh SQLite file in a temporary folder unless `--db`
 * names an empty database (`postgres://…`). Figures, not targets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  generateRegionKeySet,
  openDatabase,
  rewrapProgress,
  withNewVaultKek,
} from '@domicile/region';
import { Vault, rewrapBatch, type RewrapPosition } from '@domicile/region/internals';

const args = process.argv.slice(2);
const dbAt = args.indexOf('--db');
const databaseUrlArg = dbAt === -1 ? undefined : args[dbAt + 1];
const RECORDS = Number(args.find((a, i) => /^\d+$/.test(a) && i !== dbAt + 1) ?? 100_000);
const BATCH = 500;
const INSERT_ROWS = 500;

const folder =
  databaseUrlArg === undefined ? await mkdtemp(join(tmpdir(), 'kek-rewrap-')) : undefined;
const databaseUrl = databaseUrlArg ?? `sqlite:${join(folder ?? '', 'vault.db')}`;
const db = await openDatabase(databaseUrl, { createFolder: true });
try {
  const keys = await generateRegionKeySet('us');
  const old = Vault.fromKeySet(keys);
  let started = performance.now();
  const card = { pan: '4111111111111111', expiry: { month: 12, year: 2030 }, name: 'Bench Card' };
  for (let done = 0; done < RECORDS; done += INSERT_ROWS) {
    const rows = await Promise.all(
      Array.from({ length: Math.min(INSERT_ROWS, RECORDS - done) }, () => old.seal(card)),
    );
    await db.insertInto('vault_records').values(rows).execute();
  }
  console.log(
    `sealed ${RECORDS} records under us-kek-1 in ${seconds(started)} s (${databaseUrl.split(':')[0]})`,
  );

  const vault = Vault.fromKeySet({ ...keys, secrets: withNewVaultKek('us', keys.secrets).secrets });
  started = performance.now();
  const cpu = process.cpuUsage();
  let from: RewrapPosition | undefined;
  let rewrapped = 0;
  let batches = 0;
  do {
    const batch = await rewrapBatch(db, vault, { from, limit: BATCH });
    rewrapped += batch.rewrapped;
    batches++;
    if (batch.failed.length > 0) throw new Error(`${batch.failed.length} records failed`);
    from = batch.next;
  } while (from !== undefined);
  const took = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const progress = await rewrapProgress(db, vault.kekId);
  if (progress.remaining !== 0 || progress.current !== RECORDS)
    throw new Error(`re-wrap incomplete: ${JSON.stringify(progress)}`);
  console.log(
    `re-wrapped ${rewrapped} records to ${vault.kekId} in ${took.toFixed(1)} s (${cpuSeconds.toFixed(1)} s of CPU in this process): ${batches} batches of ${BATCH}, ${Math.round(rewrapped / took)} records/s`,
  );
  console.log(
    `in a serving region (worker resting 2x each batch): about ${(took * 3).toFixed(0)} s`,
  );
} finally {
  await db.destroy();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}
