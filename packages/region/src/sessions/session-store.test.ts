import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PRODUCTS, toCardProduct } from '../issuer/index.js';
import { openDatabase, type Database } from '../storage/index.js';
import { session } from '../storage/storage.fixtures.js';
import { insertSessions, productFromSession } from './session-store.js';

const [first, second] = [...SANDBOX_PRODUCTS.values()].map(toCardProduct);

describe('productFromSession', () => {
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  it("reads each session's product, one decoded product shared by the sessions that stored the same one", async () => {
    if (first === undefined || second === undefined) throw new Error('two sandbox products needed');
    const rows = [first, first, second].map((p) => session({ product: JSON.stringify(p) }));
    await insertSessions(db, rows);
    const productOf = productFromSession(db);
    const [a, b, c] = await Promise.all(rows.map((r) => productOf({ session_id: r.id })));
    expect(a).toEqual(first);
    expect(c).toEqual(second);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    // Known by session id from then on: no read, even once the row is gone.
    await db.deleteFrom('provisioning_sessions').execute();
    expect(await productOf({ session_id: rows[1]?.id ?? '' })).toBe(a);
    await expect(productOf({ session_id: 'no-such-session' })).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });
});
