import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDirectory } from '@domicile/protocol';
import { saveRegionKeySet, type RegionKey, type RegionKeySet } from '../keys/index.js';
import { openDatabase } from '../storage/index.js';
import { createRegionFixture } from '../testing/region-fixture.js';
import { fileKeyInventory } from './key-inventory.js';

const DAY = 86_400;

function undated(key: RegionKey): RegionKey {
  const copy = { ...key };
  delete copy.notBefore;
  return copy;
}

describe('the key inventory of a residency report', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'key-inventory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("dates each key from its notBefore (a KEK from its createdAt), and only an undated key from the key file's mtime", async () => {
    const fixture = await createRegionFixture();
    const directory = await verifyDirectory(fixture.directoryJws, fixture.authorityKey);
    const base = fixture.keys.get('us') as RegionKeySet;
    const now = new Date('2026-12-01T00:00:00Z');
    const at = (days: number): number => Math.floor(now.getTime() / 1000) - days * DAY;
    const keys = {
      ...base,
      signing: base.signing.map((k) => ({ ...k, notBefore: at(40) })),
      encryption: base.encryption.map((k) => ({ ...k, notBefore: at(3) })),
      // A file from before rotation: its one TSM key has no notBefore.
      tsm: base.tsm.map(undated),
      secrets: {
        ...base.secrets,
        vaultKeks: [
          { id: base.secrets.vaultKekId, createdAt: new Date(at(100) * 1000).toISOString() },
        ],
      },
    } as RegionKeySet;
    const keyFile = join(dir, 'us.keys.json');
    await saveRegionKeySet(keyFile, keys);
    // The file was last written 10 days ago: only the undated TSM key takes that age.
    const written = new Date(at(10) * 1000);
    await utimes(keyFile, written, written);
    const db = await openDatabase(`sqlite:${join(dir, 'us.db')}`);
    try {
      const inventory = await fileKeyInventory({ keys, keyFile, directory, db, now });
      expect(inventory.map((k) => [k.purpose, k.ageDays, k.since])).toEqual([
        ['signing', 40, new Date(at(40) * 1000).toISOString()],
        ['encryption', 3, new Date(at(3) * 1000).toISOString()],
        ['tsm', 10, written.toISOString()],
        ['kek', 100, new Date(at(100) * 1000).toISOString()],
      ]);
    } finally {
      await db.destroy();
    }
  });
});
