import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompiledQuery, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TYP, generateKeyPairJwk, verifyJson, type KeyPairJwk } from '@domicile/protocol';
import { listNotifications } from '../notifications/index.js';
import { openDatabase, type Database } from '../storage/index.js';
import { createTestPostgresDatabase } from '../testing/index.js';
import { productFromSession } from '../sessions/index.js';
import { Tsm, scriptHash } from './tsm.js';
import { TsmWorker, pendingScripts, type TsmWorkerOptions } from './tsm-worker.js';
import { seedPendingScript } from './tsm-worker.fixtures.js';
import { FileJwsSigner } from '../keys/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RACE_CHILD = fileURLToPath(new URL('./tsm-worker-race.fixtures.ts', import.meta.url));

describe('TsmWorker', () => {
  let dir: string;
  let dbPath: string;
  let db: Kysely<Database>;
  let key: KeyPairJwk;
  const workerFor = (
    handle: Kysely<Database>,
    options: Partial<TsmWorkerOptions> = {},
  ): TsmWorker =>
    new TsmWorker({
      db: handle,
      tsm: new Tsm({ region: 'us', signer: new FileJwsSigner(key.privateJwk) }),
      productFor: productFromSession(handle),
      ...options,
    });
  const countNotifications = async (): Promise<number> =>
    Number(
      (
        await db
          .selectFrom('notifications')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'domicile-tsm-'));
    dbPath = join(dir, 'region.db');
    db = await openDatabase(`sqlite:${dbPath}`);
    key ??= await generateKeyPairJwk('sig');
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a pending script ready, links it and notifies the device, in one go', async () => {
    const seeded = await seedPendingScript(db);
    expect(await workerFor(db).runOnce()).toBe(1);
    const row = await db
      .selectFrom('tsm_scripts')
      .selectAll()
      .where('id', '=', seeded.scriptId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'ready', attempts: 0 });
    expect(row.ready_at).not.toBeNull();
    const script = await verifyJson(row.script ?? '', key.publicJwk, TYP.personalizationScript);
    expect(script).toMatchObject({
      scriptId: seeded.scriptId,
      tokenRef: seeded.tokenRef,
      artwork: { assetId: seeded.artAssetId, sha256: seeded.artSha256 },
    });
    expect(row.script_hash).toBe(scriptHash(row.script ?? ''));
    const credential = await db
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', seeded.credentialId)
      .executeTakeFirstOrThrow();
    expect(credential.script_id).toBe(seeded.scriptId);
    const notes = await listNotifications(db, seeded.deviceId, 0, 10);
    expect(notes.map((n) => n.data)).toEqual([
      { type: 'tsm.script.ready', tokenRef: seeded.tokenRef, scriptId: seeded.scriptId },
    ]);
  });

  it('never notifies twice when run again', async () => {
    await seedPendingScript(db);
    const worker = workerFor(db);
    expect(await worker.runOnce()).toBe(1);
    expect(await worker.runOnce()).toBe(0);
    expect(await countNotifications()).toBe(1);
  });

  it('lets two workers race on one database with one notification per script', async () => {
    const seeded = await Promise.all(Array.from({ length: 12 }, () => seedPendingScript(db)));
    const workers = [
      workerFor(db, { batchSize: 5 }),
      workerFor(db, { batchSize: 5 }),
      workerFor(db, { batchSize: 50 }),
    ];
    const counts = await Promise.all(
      workers.flatMap((w) => [w.runOnce(), w.runOnce(), w.runOnce()]),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    const notes = await db.selectFrom('notifications').select('data').execute();
    expect(notes.map((n) => (JSON.parse(n.data) as { scriptId: string }).scriptId).sort()).toEqual(
      seeded.map((s) => s.scriptId).sort(),
    );
  });

  it('lets worker processes on one SQLite file race with one notification per script', async () => {
    const seeded = await Promise.all(Array.from({ length: 40 }, () => seedPendingScript(db)));
    const children = [0, 1].map(() =>
      spawn(process.execPath, ['--import', 'tsx', '--conditions=@domicile/source', RACE_CHILD], {
        cwd: REPO_ROOT,
        env: { ...process.env, RACE_DB: dbPath, RACE_TSM_KEY: JSON.stringify(key.privateJwk) },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const lines = children.map((child) => {
      const out: string[] = [];
      child.stdout
        .setEncoding('utf8')
        .on('data', (chunk: string) => out.push(...chunk.split('\n').filter(Boolean)));
      return out;
    });
    const exited = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
    await vi.waitFor(
      () => {
        expect(lines.every((l) => l.includes('ready'))).toBe(true);
      },
      { timeout: 30_000, interval: 50 },
    );
    for (const child of children) child.stdin.end('go\n');
    let mine = 0;
    for (let n = -1; n !== 0;) mine += n = await workerFor(db, { batchSize: 5 }).runOnce();
    await Promise.all(exited);
    const theirs = lines
      .flat()
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { processed: number }).processed);
    expect(theirs).toHaveLength(2);
    expect(mine + theirs.reduce((a, b) => a + b, 0)).toBe(40);
    const notes = await db.selectFrom('notifications').select('data').execute();
    expect(notes.map((n) => (JSON.parse(n.data) as { scriptId: string }).scriptId).sort()).toEqual(
      seeded.map((s) => s.scriptId).sort(),
    );
  });

  it('keeps a pending script across a restart and a failure, and retries it', async () => {
    const seeded = await seedPendingScript(db);
    await db.destroy();
    db = await openDatabase(`sqlite:${dbPath}`);
    const warn = vi.fn();
    const failing = workerFor(db, {
      productFor: () => Promise.reject(new Error('issuer down')),
      logger: { warn },
    });
    expect(await failing.runOnce()).toBe(0);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ scriptId: seeded.scriptId, attempts: 1 }),
      expect.any(String),
    );
    const row = await db
      .selectFrom('tsm_scripts')
      .selectAll()
      .where('id', '=', seeded.scriptId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    expect(await countNotifications()).toBe(0);
    expect(await workerFor(db).runOnce()).toBe(1);
  });

  it('stops trying a script after maxAttempts, and skips deleted credentials', async () => {
    const failing = await seedPendingScript(db);
    const deleted = await seedPendingScript(db);
    await db
      .updateTable('credentials')
      .set({ state: 'deleted' })
      .where('id', '=', deleted.credentialId)
      .execute();
    const broken = workerFor(db, {
      productFor: () => Promise.reject(new Error('no')),
      maxAttempts: 2,
    });
    await broken.runOnce();
    await broken.runOnce();
    expect(await workerFor(db, { maxAttempts: 2 }).runOnce()).toBe(0);
    const states = await db
      .selectFrom('tsm_scripts')
      .select(['id', 'state', 'attempts'])
      .orderBy('attempts')
      .execute();
    expect(states).toEqual([
      { id: deleted.scriptId, state: 'pending', attempts: 0 },
      { id: failing.scriptId, state: 'pending', attempts: 2 },
    ]);
  });

  it('runs soon after a kick, wakes push streams, and stops cleanly', async () => {
    const woken: string[] = [];
    const worker = workerFor(db, {
      pollIntervalMs: 60_000,
      onNotified: (deviceId) => woken.push(deviceId),
    });
    worker.start();
    await vi.waitFor(
      async () => {
        expect(await db.selectFrom('tsm_scripts').select('id').execute()).toEqual([]);
      },
      { timeout: 30_000 },
    );
    const seeded = await seedPendingScript(db);
    worker.kick();
    await vi.waitFor(
      () => {
        expect(woken).toEqual([seeded.deviceId]);
      },
      { timeout: 5_000, interval: 20 },
    );
    await worker.stop();
    await seedPendingScript(db);
    worker.kick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(woken).toHaveLength(1);
  });
});

describe('pendingScripts', () => {
  it('searches tsm_scripts_state_idx, and looks each pending script’s credential up by its key', async () => {
    const db = await openDatabase('sqlite::memory:');
    const query = pendingScripts(db, 5, 20).compile();
    const plan = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    await db.destroy();
    const details = plan.rows.map((r) => r.detail).join('\n');
    expect(details).toMatch(/^SEARCH tsm_scripts USING INDEX tsm_scripts_state_idx \(state=\?\)$/m);
    expect(details).toMatch(
      /SEARCH credentials .*USING .*INDEX sqlite_autoindex_credentials_1 \(id=\?\)/,
    );
    expect(details).not.toMatch(/SCAN (tsm_scripts|credentials)/);
  });

  // SQLite plans a statement again after a new binding of any value its planner read; the
  // poll's states are written in it and its LIMIT is cast, so only `attempts` is read as bound.
  it('binds nothing SQLite’s planner reads: the states are in the statement, the limit cast', async () => {
    const db = await openDatabase('sqlite::memory:');
    const { sql: text, parameters } = pendingScripts(db, 5, 20).compile();
    await db.destroy();
    expect(parameters).toEqual([5, 20]);
    expect(text).toMatch(/"attempts" < \? order by .* limit cast\(\? as bigint\)$/);
    expect(text).toContain(`"state" = 'pending'`);
    expect(text).toContain(`"credentials"."state" != 'deleted'`);
  });

  const dialects = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
  it.each(dialects)(
    'answers pending scripts under maxAttempts of undeleted credentials, fewest failures first, on %s',
    async (dialect) => {
      const pg =
        dialect === 'postgres'
          ? await createTestPostgresDatabase('domicile_pending_scripts')
          : undefined;
      const db = await openDatabase(pg?.connectionString ?? 'sqlite::memory:');
      try {
        const [once, fresh, spent, deleted, ready] = [
          await seedPendingScript(db),
          await seedPendingScript(db),
          await seedPendingScript(db),
          await seedPendingScript(db),
          await seedPendingScript(db),
        ];
        const set = (id: string, values: { attempts?: number; state?: 'ready' }) =>
          db.updateTable('tsm_scripts').set(values).where('id', '=', id).execute();
        await set(once.scriptId, { attempts: 1 });
        await set(spent.scriptId, { attempts: 5 });
        await set(ready.scriptId, { state: 'ready' });
        await db
          .updateTable('credentials')
          .set({ state: 'deleted' })
          .where('id', '=', deleted.credentialId)
          .execute();
        const ids = async (batchSize: number) =>
          (await pendingScripts(db, 5, batchSize).execute()).map((r) => r.id);
        expect(await ids(20)).toEqual([fresh.scriptId, once.scriptId]);
        expect(await ids(1)).toEqual([fresh.scriptId]);
      } finally {
        await db.destroy();
        await pg?.drop();
      }
    },
  );
});
