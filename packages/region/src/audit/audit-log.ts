import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DomicileError } from '@domicile/protocol';
import {
  auditRowHash,
  dialectOf,
  jsonColumn,
  precompiled,
  type Database,
} from '../storage/index.js';
import type { AuditAction } from './audit-actions.js';

/** An entry's detail: a JSON object. */
export const auditDetailColumn = jsonColumn(
  'audit_log.detail',
  Type.Record(Type.String(), Type.Unknown()),
);

/** The one chain of a region: the key of its row in `audit_chain_head`. */
export const AUDIT_CHAIN = 'audit';

/** One security-relevant action. `detail` must hold no card data, code, key or token. */
export interface AuditEntry {
  /** ISO-8601 UTC. */
  readonly at: string;
  /** Who acted: `device:<id>`, `issuer:<id>`, `operator:<id>`, `region:<id>`, `system`. */
  readonly actor: string;
  /** What happened: one of `AUDIT_ACTIONS`. */
  readonly action: AuditAction;
  /** What it happened to: a token reference, a session, account or device id. */
  readonly subject: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Where an appended entry landed in the chain. */
export interface AppendedAudit {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Appends to the region's audit chain: the one way every caller writes it. Pass the transaction
 * that makes the change, so the entry exists exactly when the change does: if the append fails,
 * the change rolls back with it. Given the database itself, it appends in a transaction of its own
 * (a refused request, a key rotation: nothing else to commit).
 *
 * The head row is updated first: on PostgreSQL that takes its row lock until the transaction
 * ends, so appends from every node of the region queue there and the chain never forks; on SQLite
 * the write lock does the same. Call it late in a transaction, to hold that lock briefly.
 */
export async function appendAudit(
  trx: Kysely<Database>,
  entry: AuditEntry,
): Promise<AppendedAudit> {
  if (!trx.isTransaction) return trx.transaction().execute((own) => appendAudit(own, entry));
  try {
    return await appendToChain(trx, entry);
  } catch (cause) {
    if (cause instanceof DomicileError) throw cause;
    // Whatever the database said, the caller's transaction must not commit without its row.
    throw new DomicileError('AUDIT_UNAVAILABLE', { details: { action: entry.action }, cause });
  }
}

/** Takes the next sequence number and reads the previous hash (on PostgreSQL: the head's row lock). */
const advanceHead = precompiled(0, (db) =>
  db
    .updateTable('audit_chain_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('chain', '=', AUDIT_CHAIN)
    .returning(['seq', 'hash']),
);

type AuditRow = [string, string, string, string, string, number, string, string];
const auditRowValues = (db: Kysely<Database>, ...row: AuditRow) => {
  const [at, actor, action, subject, detail, seq, prev_hash, hash] = row;
  return db
    .insertInto('audit_log')
    .values({ at, actor, action, subject, detail, seq, prev_hash, hash });
};

const insertRow = precompiled(8, auditRowValues);

const setHeadHash = precompiled(1, (db, hash: string) =>
  db.updateTable('audit_chain_head').set({ hash }).where('chain', '=', AUDIT_CHAIN),
);

// On PostgreSQL the row and the head's new hash go in one statement (one round trip): the head's
// row lock, taken by `advanceHead`, is held either way; SQLite has no writes in a `with`.
const insertRowSettingHeadHash = precompiled(8, (db, ...row: AuditRow) =>
  db
    .with('appended', () => auditRowValues(db, ...row).returning('seq'))
    .updateTable('audit_chain_head')
    .set({ hash: row[7] })
    .where('chain', '=', AUDIT_CHAIN),
);

async function appendToChain(trx: Kysely<Database>, entry: AuditEntry): Promise<AppendedAudit> {
  const detail = entry.detail ?? {};
  const encoded = auditDetailColumn.encode(detail);
  // Under READ COMMITTED the update waits for the previous holder and then sees its commit.
  const [head] = (await advanceHead.execute(trx)).rows;
  if (head === undefined)
    throw new DomicileError('AUDIT_UNAVAILABLE', {
      details: { action: entry.action, reason: 'no chain head' },
    });
  const { seq, hash: prevHash } = head;
  const hash = auditRowHash(prevHash, {
    seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    detail: JSON.parse(encoded) as unknown,
  });
  const row: AuditRow = [
    entry.at,
    entry.actor,
    entry.action,
    entry.subject,
    encoded,
    seq,
    prevHash,
    hash,
  ];
  if (dialectOf(trx) === 'postgres') {
    await insertRowSettingHeadHash.execute(trx, ...row);
  } else {
    await insertRow.execute(trx, ...row);
    await setHeadHash.execute(trx, hash);
  }
  return { seq, hash };
}
