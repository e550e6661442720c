import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairJwk, isDomicileError, type PublicJwk } from '@domicile/protocol';
import { FileJwsSigner } from '../keys/index.js';
import { migrations } from '../storage/migrations/index.js';
import { auditRowHash, openDatabase, type Database } from '../storage/index.js';
import { createTestPostgresDatabase } from '../testing/index.js';
import { appendAudit, type AuditEntry } from './audit-log.js';
import { signCheckpoint, signCheckpointIfDue } from './audit-checkpoints.js';
import { verifyAuditChain, type AuditChainStatus } from './verify-audit-chain.js';

const REGION = 'us';
const dir = mkdtempSync(join(tmpdir(), 'domicile-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Opened {
  readonly db: Kysely<Database>;
  readonly url: string;
  close(): Promise<void>;
}

let opened = 0;
const DIALECTS: Record<'sqlite' | 'postgres', () => Promise<Opened>> = {
  sqlite: async () => {
    opened += 1;
    const url = `sqlite:${join(dir, `audit-${opened}.db`)}`;
    const db = await openDatabase(url);
    return { db, url, close: () => db.destroy() };
  },
  postgres: async () => {
    const database = await createTestPostgresDatabase('domicile_audit');
    const db = await openDatabase(database.connectionString);
    return {
      db,
      url: database.connectionString,
      close: async () => {
        await db.destroy();
        await database.drop();
      },
    };
  },
};

const skipPg = process.env.DOMICILE_SKIP_PG === '1';

const entry = (i: number): AuditEntry => ({
  at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
  actor: `device:d${i}`,
  action: 'credential.suspend',
  subject: `tok_${i}`,
  // Quotes, escapes and characters beyond ASCII: PostgreSQL hashes the row's UTF-8 itself.
  detail: { i, reason: 'user', nested: { z: 1, a: [true, null] }, note: 'café "ü"\n\u2028 😀' },
});

for (const [dialect, open] of Object.entries(DIALECTS)) {
  describe.skipIf(dialect === 'postgres' && skipPg)(`audit chain on ${dialect}`, () => {
    let o: Opened;
    let signer: FileJwsSigner;
    let keys: PublicJwk[];

    beforeEach(async () => {
      o = await open();
      const pair = await generateKeyPairJwk('sig');
      signer = new FileJwsSigner(pair.privateJwk);
      keys = [pair.publicJwk];
    });
    afterEach(async () => {
      await o.close();
    });

    const verify = (): Promise<AuditChainStatus> =>
      verifyAuditChain({ db: o.db, region: REGION, signingKeys: keys });

    /** Ten rows, a checkpoint at 5 and one at 10. */
    async function writeTen(): Promise<void> {
      for (let i = 1; i <= 10; i += 1) {
        await appendAudit(o.db, entry(i));
        if (i % 5 === 0)
          await signCheckpoint({ db: o.db, region: REGION, signer }, await head(), new Date());
      }
    }
    async function head(): Promise<{ seq: number; hash: string }> {
      return o.db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
    }
    const row = (seq: number) =>
      o.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();

    it('chains every append from the genesis and verifies with its checkpoints', async () => {
      await writeTen();
      const rows = await o.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(rows[0]?.prev_hash).toBe('0'.repeat(64));
      for (const [i, r] of rows.entries()) {
        if (i > 0) expect(r.prev_hash).toBe(rows[i - 1]?.hash);
        expect(r.hash).toBe(
          auditRowHash(r.prev_hash ?? '', { ...r, seq: r.seq ?? 0, detail: JSON.parse(r.detail) }),
        );
      }
      expect(await verify()).toEqual({
        ok: true,
        rows: 10,
        checkpoints: 2,
        checkpointsVerified: 2,
        lastCheckpoint: { seq: 10, at: expect.any(String) as string },
        unsignedRows: 0,
      });
    });

    it('detects an edited row and names it', async () => {
      await writeTen();
      await o.db
        .updateTable('audit_log')
        .set({ actor: 'operator:someone' })
        .where('seq', '=', 4)
        .execute();
      expect((await verify()).firstFailure).toEqual({
        reason: 'hash_mismatch',
        seq: 4,
        id: (await row(4)).id,
      });
    });

    it('detects an edited detail even when the edit also recomputes the row’s own hash', async () => {
      await writeTen();
      const r = await row(4);
      const detail = { ...(JSON.parse(r.detail) as Record<string, unknown>), reason: 'issuer' };
      await o.db
        .updateTable('audit_log')
        .set({
          detail: JSON.stringify(detail),
          hash: auditRowHash(r.prev_hash ?? '', { ...r, seq: 4, detail }),
        })
        .where('seq', '=', 4)
        .execute();
      expect((await verify()).firstFailure).toMatchObject({ reason: 'prev_hash_mismatch', seq: 5 });
    });

    it('detects a rewritten tail through the signed checkpoint that covers it', async () => {
      await writeTen();
      // The whole chain from row 7 on recomputed, head row included: only a checkpoint can tell.
      await o.db
        .updateTable('audit_log')
        .set({ subject: 'tok_forged' })
        .where('seq', '=', 7)
        .execute();
      let prev = (await row(6)).hash ?? '';
      for (let seq = 7; seq <= 10; seq += 1) {
        const r = await row(seq);
        const hash = auditRowHash(prev, { ...r, seq, detail: JSON.parse(r.detail) });
        await o.db
          .updateTable('audit_log')
          .set({ prev_hash: prev, hash })
          .where('seq', '=', seq)
          .execute();
        prev = hash;
      }
      await o.db.updateTable('audit_chain_head').set({ hash: prev }).execute();
      expect((await verify()).firstFailure).toEqual({
        reason: 'checkpoint_mismatch',
        seq: 10,
        checkpoint: true,
      });
    });

    it('detects a deleted row and names the first missing seq', async () => {
      await writeTen();
      await o.db.deleteFrom('audit_log').where('seq', '=', 3).execute();
      expect((await verify()).firstFailure).toMatchObject({ reason: 'row_missing', seq: 3 });
    });

    it('detects rows deleted at the end, by the head row and by a checkpoint', async () => {
      await writeTen();
      await o.db.deleteFrom('audit_log').where('seq', '>', 8).execute();
      expect((await verify()).firstFailure).toEqual({ reason: 'head_mismatch', seq: 9 });
      const r = await row(8);
      await o.db
        .updateTable('audit_chain_head')
        .set({ seq: 8, hash: r.hash ?? '' })
        .execute();
      expect((await verify()).firstFailure).toEqual({ reason: 'row_missing', seq: 9 });
    });

    it('detects a row inserted around appendAudit, and one inserted into the chain', async () => {
      await writeTen();
      await o.db
        .insertInto('audit_log')
        .values({
          at: entry(11).at,
          actor: 'system',
          action: 'key.rotated',
          subject: 'k',
          detail: '{}',
          seq: null,
          prev_hash: null,
          hash: null,
        })
        .execute();
      expect((await verify()).firstFailure).toMatchObject({ reason: 'unchained', seq: 11 });
      await o.db.deleteFrom('audit_log').where('seq', 'is', null).execute();
      // Inserted between 6 and 7 with a hash that links to 6: row 7 then fails, renumbered or not.
      await sql`drop index audit_log_seq_idx`.execute(o.db);
      const six = await row(6);
      const forged = {
        at: entry(6).at,
        actor: 'system',
        action: 'key.rotated',
        subject: 'k',
        detail: {},
      };
      await o.db
        .insertInto('audit_log')
        .values({
          ...forged,
          detail: '{}',
          seq: 7,
          prev_hash: six.hash,
          hash: auditRowHash(six.hash ?? '', { ...forged, seq: 7 }),
        })
        .execute();
      expect((await verify()).firstFailure).toMatchObject({ reason: 'seq_repeated', seq: 7 });
    });

    it('detects reordered rows', async () => {
      await writeTen();
      const [a, b] = [await row(3), await row(4)];
      // Swap the contents of two rows, each keeping its place's seq and hashes.
      for (const [target, source] of [
        [a, b],
        [b, a],
      ] as const)
        await o.db
          .updateTable('audit_log')
          .set({
            at: source.at,
            actor: source.actor,
            action: source.action,
            subject: source.subject,
            detail: source.detail,
          })
          .where('id', '=', target.id)
          .execute();
      expect((await verify()).firstFailure).toMatchObject({ reason: 'hash_mismatch', seq: 3 });
      // Swapping whole rows (their seq too) is caught the same way: each seq is hashed in its row.
      const fresh = await open();
      try {
        o = { ...o, db: fresh.db };
        await writeTen();
        await o.db.updateTable('audit_log').set({ seq: -3 }).where('seq', '=', 3).execute();
        await o.db.updateTable('audit_log').set({ seq: 3 }).where('seq', '=', 4).execute();
        await o.db.updateTable('audit_log').set({ seq: 4 }).where('seq', '=', -3).execute();
        expect((await verify()).firstFailure).toMatchObject({
          reason: 'prev_hash_mismatch',
          seq: 3,
        });
      } finally {
        await fresh.close();
      }
    });

    it('detects a tampered checkpoint: its columns, its signature, an unknown key', async () => {
      await writeTen();
      await o.db
        .updateTable('audit_checkpoints')
        .set({ head_hash: 'ab'.repeat(32) })
        .where('seq', '=', 5)
        .execute();
      expect((await verify()).firstFailure).toEqual({
        reason: 'checkpoint_mismatch',
        seq: 5,
        checkpoint: true,
      });
      const cp = await o.db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .where('seq', '=', 10)
        .executeTakeFirstOrThrow();
      const [h, p, s] = cp.jws.split('.');
      const forgedPayload = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()),
          headHash: 'cd'.repeat(32),
        }),
      ).toString('base64url');
      await o.db
        .updateTable('audit_checkpoints')
        .set({ jws: `${h}.${forgedPayload}.${s}` })
        .where('seq', '=', 10)
        .execute();
      await o.db.deleteFrom('audit_checkpoints').where('seq', '=', 5).execute();
      expect((await verify()).firstFailure).toEqual({
        reason: 'checkpoint_signature_invalid',
        seq: 10,
        checkpoint: true,
      });
      keys = [(await generateKeyPairJwk('sig')).publicJwk];
      expect((await verify()).firstFailure).toEqual({
        reason: 'checkpoint_key_unknown',
        seq: 10,
        checkpoint: true,
      });
    });

    it('signs a checkpoint every N rows or after M ms, and only when the head moved', async () => {
      const policy = { everyRows: 3, everyMs: 60_000 };
      let now = new Date('2030-01-01T00:00:00.000Z');
      const options = { db: o.db, region: REGION, signer, policy, now: () => now };
      expect(await signCheckpointIfDue(options)).toBeUndefined();
      await appendAudit(o.db, entry(1));
      expect(await signCheckpointIfDue(options)).toMatchObject({ seq: 1, rows: 1, region: REGION });
      await appendAudit(o.db, entry(2));
      await appendAudit(o.db, entry(3));
      expect(await signCheckpointIfDue(options)).toBeUndefined();
      await appendAudit(o.db, entry(4));
      expect(await signCheckpointIfDue(options)).toMatchObject({ seq: 4 });
      await appendAudit(o.db, entry(5));
      now = new Date(now.getTime() + 60_000);
      expect(await signCheckpointIfDue(options)).toMatchObject({ seq: 5 });
      now = new Date(now.getTime() + 600_000);
      expect(await signCheckpointIfDue(options)).toBeUndefined();
      expect(await verify()).toMatchObject({ ok: true, rows: 5, checkpoints: 3, unsignedRows: 0 });
    });

    it('rolls the whole transaction back when its audit row cannot be written', async () => {
      await appendAudit(o.db, entry(1));
      await o.db.deleteFrom('audit_chain_head').execute();
      const failed = o.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('audit_checkpoints')
          .values({ seq: 99, head_hash: 'x', at: 'x', kid: 'x', jws: 'x' })
          .execute();
        await appendAudit(trx, entry(2));
      });
      await expect(failed).rejects.toSatisfy((e) => isDomicileError(e, 'AUDIT_UNAVAILABLE'));
      expect(await o.db.selectFrom('audit_checkpoints').selectAll().execute()).toEqual([]);
      expect(await o.db.selectFrom('audit_log').select('seq').execute()).toEqual([{ seq: 1 }]);
    });

    it('migration 0013 chains the rows written before it from the genesis', async () => {
      const fresh = await open();
      try {
        await sql`drop table audit_checkpoints`.execute(fresh.db);
        await sql`drop table audit_chain_head`.execute(fresh.db);
        await sql`drop index audit_log_seq_idx`.execute(fresh.db);
        for (const column of ['seq', 'prev_hash', 'hash'])
          await sql`alter table audit_log drop column ${sql.ref(column)}`.execute(fresh.db);
        await sql`delete from kysely_migration where name = '0013_audit_chain'`.execute(fresh.db);
        for (let i = 1; i <= 3; i += 1)
          await sql`insert into audit_log (at, actor, action, subject, detail)
            values (${entry(i).at}, 'system', 'account.registered', ${`acc_${i}`}, ${JSON.stringify({ i })})`.execute(
            fresh.db,
          );
        // 0013 alone, run again as it ran then: later migrations (already applied) stay as they are.
        await migrations['0013_audit_chain']?.up(fresh.db as Kysely<unknown>);
        o = { ...o, db: fresh.db };
        await appendAudit(o.db, entry(4));
        expect(await verify()).toMatchObject({ ok: true, rows: 4 });
        expect((await row(1)).prev_hash).toBe('0'.repeat(64));
      } finally {
        await fresh.close();
      }
    });
  });
}

describe.skipIf(skipPg)('audit chain on postgres, two region nodes appending at once', () => {
  it('keeps one chain: every seq once, every link valid', async () => {
    const database = await createTestPostgresDatabase('domicile_audit_nodes');
    const nodes = [
      await openDatabase(database.connectionString),
      await openDatabase(database.connectionString),
    ];
    try {
      const perNode = 60;
      await Promise.all(
        nodes.flatMap((db, n) =>
          Array.from({ length: perNode }, (_, i) =>
            db.transaction().execute(async (trx) => {
              await trx
                .insertInto('audit_checkpoints')
                .values({
                  seq: 1_000 + n * perNode + i,
                  head_hash: 'x',
                  at: 'x',
                  kid: 'x',
                  jws: 'x',
                })
                .execute();
              await appendAudit(trx, { ...entry(i), actor: `region:node-${n}` });
            }),
          ),
        ),
      );
      const [first] = nodes;
      await first?.deleteFrom('audit_checkpoints').execute();
      const seqs = (
        await first?.selectFrom('audit_log').select('seq').orderBy('seq').execute()
      )?.map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 2 * perNode }, (_, i) => i + 1));
      expect(
        await verifyAuditChain({
          db: nodes[1] as Kysely<Database>,
          region: REGION,
          signingKeys: [],
        }),
      ).toMatchObject({
        ok: true,
        rows: 2 * perNode,
      });
    } finally {
      for (const db of nodes) await db.destroy();
      await database.drop();
    }
  });
});
