import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import { openDatabase, type Database } from '../storage/index.js';
import { createTestPostgresDatabase } from '../testing/index.js';
import { appendAuditEntries } from './audit-log.js';
import { appendAudit, type AuditEntry } from './audit-log.js';
import { verifyAuditChain } from './verify-audit-chain.js';

const dir = mkdtempSync(join(tmpdir(), 'domicile-audit-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number): AuditEntry => ({
  at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
  actor: `region:r${i}`,
  action: i % 2 === 0 ? 'session.opened' : 'redirect.accepted',
  subject: `s${i}`,
  detail: { i, nested: { z: 1, a: [true, null] } },
});

const engines = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(engines)('audit entries appended together, on %s', (engine) => {
  let db: Kysely<Database>;
  let close: () => Promise<void>;

  async function openFresh(): Promise<{ db: Kysely<Database>; close: () => Promise<void> }> {
    if (engine === 'sqlite') {
      const fresh = await openDatabase(`sqlite:${join(dir, `${randomUUID()}.db`)}`);
      return { db: fresh, close: () => fresh.destroy() };
    }
    const database = await createTestPostgresDatabase('domicile_audit_batch');
    const fresh = await openDatabase(database.connectionString);
    return {
      db: fresh,
      close: async () => {
        await fresh.destroy();
        await database.drop();
      },
    };
  }

  beforeEach(async () => {
    ({ db, close } = await openFresh());
  });
  afterEach(() => close());

  const rows = () =>
    db
      .selectFrom('audit_log')
      .select(['seq', 'action', 'subject', 'prev_hash', 'hash'])
      .orderBy('seq')
      .execute();

  it('chains them in order between single appends, as one append each would', async () => {
    await appendAudit(db, entry(1));
    const appended = await db
      .transaction()
      .execute((trx) => appendAuditEntries(trx, [entry(2), entry(3), entry(4)]));
    await appendAudit(db, entry(5));
    const written = await rows();
    expect(written.map((r) => [r.seq, r.subject])).toEqual([
      [1, 's1'],
      [2, 's2'],
      [3, 's3'],
      [4, 's4'],
      [5, 's5'],
    ]);
    expect(appended).toEqual(written.slice(1, 4).map((r) => ({ seq: r.seq, hash: r.hash })));
    const head = await db
      .selectFrom('audit_chain_head')
      .select(['seq', 'hash'])
      .executeTakeFirstOrThrow();
    expect(head).toEqual({ seq: 5, hash: written[4]?.hash });
    expect(await verifyAuditChain({ db, region: 'us', signingKeys: [] })).toMatchObject({
      ok: true,
      rows: 5,
    });
  });

  it('writes the same rows as appending them one by one', async () => {
    await db.transaction().execute((trx) => appendAuditEntries(trx, [entry(1), entry(2)]));
    const batched = await rows();
    await close();
    ({ db, close } = await openFresh());
    await appendAudit(db, entry(1));
    await appendAudit(db, entry(2));
    expect(await rows()).toEqual(batched);
  });

  it('appends nothing for no entries, and rolls back with a transaction that fails', async () => {
    expect(await appendAuditEntries(db, [])).toEqual([]);
    const failing = db.transaction().execute(async (trx) => {
      await appendAuditEntries(trx, [entry(1), entry(2)]);
      throw new Error('the change failed');
    });
    await expect(failing).rejects.toThrow('the change failed');
    expect(await rows()).toEqual([]);
    await appendAuditEntries(db, [entry(3), entry(4)]);
    expect((await rows()).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('reports a missing chain head as AUDIT_UNAVAILABLE', async () => {
    await db.deleteFrom('audit_chain_head').execute();
    const error = await db
      .transaction()
      .execute((trx) => appendAuditEntries(trx, [entry(1), entry(2)]))
      .catch((e: unknown) => e);
    expect(isDomicileError(error, 'AUDIT_UNAVAILABLE')).toBe(true);
  });
});

describe('audit appends on one SQLite file from two connections', () => {
  it('take two statements while the head is where this connection left it, and never fork the chain', async () => {
    const file = join(dir, `${randomUUID()}.db`);
    let statements = 0;
    const db = await openDatabase(`sqlite:${file}`, { onStatement: () => (statements += 1) });
    const other = await openDatabase(`sqlite:${file}`);
    const statementsOf = async (append: () => Promise<unknown>): Promise<number> => {
      const before = statements;
      await append();
      return statements - before;
    };
    try {
      // `begin` and `commit` counted: the first append reads the head, the next ones expect it.
      expect(await statementsOf(() => appendAudit(db, entry(1)))).toBe(5);
      expect(await statementsOf(() => appendAudit(db, entry(2)))).toBe(4);
      await appendAudit(other, entry(3));
      // The other connection moved the head: this one's update finds it moved, and it reads it again.
      expect(await statementsOf(() => appendAudit(db, entry(4)))).toBe(6);
      const rolledBack = db.transaction().execute(async (trx) => {
        await appendAuditEntries(trx, [entry(5), entry(6)]);
        throw new Error('the change failed');
      });
      await expect(rolledBack).rejects.toThrow('the change failed');
      await appendAuditEntries(db, [entry(7), entry(8)]);
      await appendAudit(db, entry(9));
      const written = await db
        .selectFrom('audit_log')
        .select(['seq', 'subject'])
        .orderBy('seq')
        .execute();
      expect(written.map((r) => [r.seq, r.subject])).toEqual([
        [1, 's1'],
        [2, 's2'],
        [3, 's3'],
        [4, 's4'],
        [5, 's7'],
        [6, 's8'],
        [7, 's9'],
      ]);
      expect(await verifyAuditChain({ db, region: 'us', signingKeys: [] })).toMatchObject({
        ok: true,
        rows: 7,
      });
    } finally {
      await other.destroy();
      await db.destroy();
    }
  });
});
