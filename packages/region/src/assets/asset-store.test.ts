import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/index.js';
import type { Database } from '../storage/index.js';
import { SANDBOX_PRODUCTS } from '../issuer/index.js';
import { getAsset, storeAsset } from './asset-store.js';
import { CARD_ART_CONTENT_TYPE } from './card-art.js';
import { storeCardArt } from './store-card-art.js';

describe('asset store', () => {
  let dir: string;
  let db: Kysely<Database>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'domicile-assets-'));
    db = await openDatabase(`sqlite:${join(dir, 'region.db')}`);
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores bytes once, addressed by their SHA-256 (base64url)', async () => {
    const body = Buffer.from('<svg/>');
    const first = await db
      .transaction()
      .execute((trx) => storeAsset(trx, { contentType: 'image/svg+xml', body }));
    expect(first.sha256).toBe(createHash('sha256').update(body).digest('base64url'));
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(
      await storeAsset(db, { contentType: 'image/svg+xml', body: Buffer.from('<svg/>') }),
    ).toEqual(first);
    const other = await storeAsset(db, {
      contentType: 'image/svg+xml',
      body: Buffer.from('<svg></svg>'),
    });
    expect(other.id).not.toBe(first.id);
    const count = await db
      .selectFrom('assets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });

  it('reads an asset back, and fails ASSET_NOT_FOUND for an unknown id', async () => {
    const body = Buffer.from([0, 1, 2, 255]);
    const { id, sha256 } = await storeAsset(db, { contentType: 'application/octet-stream', body });
    const asset = await getAsset(db, id);
    expect(asset).toMatchObject({ id, sha256, contentType: 'application/octet-stream' });
    expect(asset.body.equals(body)).toBe(true);
    await expect(getAsset(db, 'no-such-asset')).rejects.toMatchObject({ code: 'ASSET_NOT_FOUND' });
  });

  it('ends concurrent stores of the same bytes in one row, across connections too', async () => {
    const second = await openDatabase(`sqlite:${join(dir, 'region.db')}`);
    try {
      const body = Buffer.from('same art, two nodes');
      const store = (handle: Kysely<Database>): Promise<{ id: string }> =>
        storeAsset(handle, { contentType: 'image/svg+xml', body });
      // better-sqlite3 blocks its process while it waits for a lock, so two connections of one
      // process race here statement by statement; transactions race on the shared connection.
      const results = await Promise.all([
        store(db),
        store(second),
        store(second),
        store(db),
        db.transaction().execute(store),
        db.transaction().execute(store),
      ]);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
    } finally {
      await second.destroy();
    }
  });

  it('stores card art per product and network, without duplicates', async () => {
    const product = SANDBOX_PRODUCTS.get('eu-lumiere-visa');
    if (product === undefined) throw new Error('no product');
    const a = await storeCardArt(db, product, 'visa');
    const b = await storeCardArt(db, product, 'visa');
    expect(b).toEqual(a);
    const asset = await getAsset(db, a.id);
    expect(asset.contentType).toBe(CARD_ART_CONTENT_TYPE);
    expect(asset.body.toString('utf8')).toContain('Banque Lumière Sandbox');
  });
});
