import { fdatasync, fstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWalBarrier, type SyncFile } from './wal-barrier.js';

const dir = mkdtempSync(join(tmpdir(), 'domicile-wal-barrier-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function walFile(): string {
  files += 1;
  const file = join(dir, `region-${files}.db-wal`);
  writeFileSync(file, 'frames');
  return file;
}

/** A sync function that holds every flush until the test lets it finish. */
function heldSync(): {
  syncFile: SyncFile;
  held: { fd: number; finish: (error?: Error) => void }[];
} {
  const held: { fd: number; finish: (error?: Error) => void }[] = [];
  return {
    held,
    syncFile: (fd, done) => held.push({ fd, finish: (error) => done(error ?? null) }),
  };
}

/** Lets every callback and promise already due run, so a promise left pending is really waiting. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function observe(promise: Promise<void>): { state: () => 'pending' | 'done' | 'failed' } {
  let state: 'pending' | 'done' | 'failed' = 'pending';
  promise.then(
    () => (state = 'done'),
    () => (state = 'failed'),
  );
  return { state: () => state };
}

describe('createWalBarrier', () => {
  it('resolves a commit only once the flush that started after it has finished', async () => {
    const { syncFile, held } = heldSync();
    const barrier = createWalBarrier({ walFile: walFile(), syncFile });
    expect(barrier.pending).toBe(false);
    barrier.noteCommit();
    expect(barrier.pending).toBe(true);
    const first = observe(barrier.durable());
    await settle();
    expect(held).toHaveLength(1);
    expect(first.state()).toBe('pending');
    held[0]?.finish();
    await expect.poll(first.state).toBe('done');
    expect(barrier.pending).toBe(false);
    await barrier.close();
  });

  it('makes a commit noted during a flush wait for the next flush, shared by all that arrived meanwhile', async () => {
    const { syncFile, held } = heldSync();
    const barrier = createWalBarrier({ walFile: walFile(), syncFile });
    barrier.noteCommit();
    const early = observe(barrier.durable());
    await settle();
    const late = [1, 2, 3].map(() => {
      barrier.noteCommit();
      return observe(barrier.durable());
    });
    held[0]?.finish();
    await expect.poll(early.state).toBe('done');
    // The first flush may have missed them: they wait for a second one, and one serves all three.
    await expect.poll(() => held.length).toBe(2);
    expect(late.map((waiter) => waiter.state())).toEqual(['pending', 'pending', 'pending']);
    held[1]?.finish();
    await expect.poll(() => late.map((waiter) => waiter.state())).toEqual(['done', 'done', 'done']);
    expect(held).toHaveLength(2);
    await barrier.close();
  });

  it('rejects every waiter of a failed flush, and every later call, with DATABASE_NOT_DURABLE', async () => {
    const { syncFile, held } = heldSync();
    const barrier = createWalBarrier({ walFile: walFile(), syncFile });
    barrier.noteCommit();
    const inFlight = barrier.durable();
    await settle();
    barrier.noteCommit();
    const queued = barrier.durable();
    held[0]?.finish(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(inFlight).rejects.toMatchObject({ code: 'DATABASE_NOT_DURABLE' });
    await expect(queued).rejects.toMatchObject({ code: 'DATABASE_NOT_DURABLE' });
    // No second flush: one that succeeds now could not prove the failed commits durable.
    expect(held).toHaveLength(1);
    expect(barrier.pending).toBe(true);
    expect(() => barrier.assertUsable()).toThrow(
      'The database could not make a commit durable; the region must be restarted.',
    );
    await expect(barrier.durable()).rejects.toMatchObject({ code: 'DATABASE_NOT_DURABLE' });
    await barrier.close();
  });

  it('closes only once the flushes under way have finished', async () => {
    const { syncFile, held } = heldSync();
    const barrier = createWalBarrier({ walFile: walFile(), syncFile });
    barrier.noteCommit();
    const commit = observe(barrier.durable());
    await settle();
    const closed = observe(barrier.close());
    await settle();
    expect(closed.state()).toBe('pending');
    held[0]?.finish();
    await expect.poll(closed.state).toBe('done');
    await expect.poll(commit.state).toBe('done');
  });

  it('flushes the WAL file itself, and the file that replaces it once SQLite recreates it', async () => {
    const file = walFile();
    const synced: number[] = [];
    const barrier = createWalBarrier({
      walFile: file,
      syncFile: (fd, done) => {
        synced.push(fstatSync(fd).ino);
        fdatasync(fd, done);
      },
    });
    barrier.noteCommit();
    await barrier.durable();
    const first = statSync(file).ino;
    // As SQLite does when the last connection closes; the barrier's open descriptor keeps the old inode alive.
    rmSync(file);
    writeFileSync(file, 'new frames');
    barrier.noteCommit();
    await barrier.durable();
    expect(synced).toEqual([first, statSync(file).ino]);
    expect(synced[0]).not.toBe(synced[1]);
    await barrier.close();
  });

  it('has nothing to flush when there is no WAL (SQLite deletes it only once fully checkpointed)', async () => {
    const { syncFile, held } = heldSync();
    const barrier = createWalBarrier({ walFile: join(dir, 'never-created.db-wal'), syncFile });
    barrier.noteCommit();
    await barrier.durable();
    expect(held).toHaveLength(0);
    await barrier.close();
  });
});
