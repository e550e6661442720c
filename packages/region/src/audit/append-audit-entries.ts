import type { Kysely } from 'kysely';
import { DomicileError } from '@domicile/protocol';
import { auditRowHash, sqlDialectOf, type Database } from '../storage/index.js';
import {
  AUDIT_CHAIN,
  appendAudit,
  auditDetailColumn,
  type AppendedAudit,
  type AuditEntry,
} from './audit-log.js';

/**
 * Appends the entries of one change, in order, as {@link appendAudit} would one after another, in
 * one turn of the chain head: one update takes all their sequence numbers, one insert writes their
 * rows, one update sets the head's hash (on PostgreSQL the last two in one statement). A redirected
 * device's arrival and its session are one such change: three statements instead of six. One entry
 * goes through `appendAudit` itself. Pass the transaction that makes the change.
 */
export async function appendAuditEntries(
  trx: Kysely<Database>,
  entries: readonly AuditEntry[],
): Promise<AppendedAudit[]> {
  const [first, ...rest] = entries;
  if (first === undefined) return [];
  if (rest.length === 0) return [await appendAudit(trx, first)];
  if (!trx.isTransaction)
    return trx.transaction().execute((own) => appendAuditEntries(own, entries));
  try {
    return await appendToChain(trx, [first, ...rest]);
  } catch (cause) {
    if (cause instanceof DomicileError) throw cause;
    // Whatever the database said, the caller's transaction must not commit without its rows.
    throw new DomicileError('AUDIT_UNAVAILABLE', { details: { action: first.action }, cause });
  }
}

async function appendToChain(
  trx: Kysely<Database>,
  entries: readonly [AuditEntry, ...AuditEntry[]],
): Promise<AppendedAudit[]> {
  // The head's row lock (PostgreSQL) or the write lock (SQLite) is taken here, as appendAudit does.
  const head = await trx
    .updateTable('audit_chain_head')
    .set((eb) => ({ seq: eb('seq', '+', entries.length) }))
    .where('chain', '=', AUDIT_CHAIN)
    .returning(['seq', 'hash'])
    .executeTakeFirst();
  if (head === undefined)
    throw new DomicileError('AUDIT_UNAVAILABLE', {
      details: { action: entries[0].action, reason: 'no chain head' },
    });
  // The head now holds the last entry's number: the first one's is just after the previous head.
  let seq = head.seq - entries.length;
  let prevHash = head.hash;
  const rows = entries.map((entry) => {
    seq += 1;
    const encoded = auditDetailColumn.encode(entry.detail ?? {});
    const { at, actor, action, subject } = entry;
    const content = { seq, at, actor, action, subject, detail: JSON.parse(encoded) as unknown };
    const hash = auditRowHash(prevHash, content);
    const row = { at, actor, action, subject, detail: encoded, seq, prev_hash: prevHash, hash };
    prevHash = hash;
    return row;
  });
  const insertRows = trx.insertInto('audit_log').values(rows);
  if (sqlDialectOf(trx) === 'postgres') {
    await trx
      .with('appended', () => insertRows.returning('seq'))
      .updateTable('audit_chain_head')
      .set({ hash: prevHash })
      .where('chain', '=', AUDIT_CHAIN)
      .execute();
  } else {
    await insertRows.execute();
    await trx
      .updateTable('audit_chain_head')
      .set({ hash: prevHash })
      .where('chain', '=', AUDIT_CHAIN)
      .execute();
  }
  return rows.map((row) => ({ seq: row.seq, hash: row.hash }));
}
