import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomicileError } from '@domicile/protocol';
import { precompiled, type Database } from '../storage/index.js';

/** A stored asset (card art), as served to devices. */
export interface Asset {
  readonly id: string;
  readonly contentType: string;
  /** SHA-256 of the bytes, base64url (43 characters): the device checks the download against it. */
  readonly sha256: string;
  readonly body: Buffer;
  readonly createdAt: string;
}

/** SHA-256 of asset bytes as assets are addressed: base64url, like every other hash on the wire. */
export function assetHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url');
}

// Every tokenization looks for its card art, every device downloads it: compiled once each.
const assetByHash = precompiled(1, (db, sha256: string) =>
  db.selectFrom('assets').select(['id', 'sha256']).where('sha256', '=', sha256),
);
const assetById = precompiled(1, (db, id: string) =>
  db.selectFrom('assets').selectAll().where('id', '=', id),
);

/**
 * Stores an asset unless the same bytes are already stored, and returns the row that holds them.
 * The same card art is stored for every card of a product, so the row is looked for first: one
 * statement when it is there. `INSERT … ON CONFLICT (sha256) DO NOTHING` makes concurrent stores
 * of new bytes on several nodes end in one row, without a failed statement, which PostgreSQL
 * would turn into an aborted transaction; the loser of that race reads the winner's row. Pass the
 * transaction that also writes what refers to the asset.
 */
export async function storeAsset(
  trx: Kysely<Database>,
  asset: { contentType: string; body: Buffer },
): Promise<{ id: string; sha256: string }> {
  const sha256 = assetHash(asset.body);
  const stored = async (): Promise<{ id: string; sha256: string } | undefined> =>
    (await assetByHash.execute(trx, sha256)).rows[0];
  const found = await stored();
  if (found !== undefined) return found;
  const inserted = await trx
    .insertInto('assets')
    .values({
      id: randomBytes(16).toString('base64url'),
      content_type: asset.contentType,
      sha256,
      body: asset.body.toString('base64'),
      created_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .returning(['id', 'sha256'])
    .executeTakeFirst();
  const row = inserted ?? (await stored());
  if (row === undefined) throw new Error(`asset ${sha256} neither inserted nor found`);
  return row;
}

/** An asset by id. @throws DomicileError `ASSET_NOT_FOUND`. */
export async function getAsset(db: Kysely<Database>, id: string): Promise<Asset> {
  const [row] = (await assetById.execute(db, id)).rows;
  if (row === undefined) throw new DomicileError('ASSET_NOT_FOUND');
  return {
    id: row.id,
    contentType: row.content_type,
    sha256: row.sha256,
    body: Buffer.from(row.body, 'base64'),
    createdAt: row.created_at,
  };
}
