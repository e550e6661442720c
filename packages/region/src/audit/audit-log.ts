import { sql, type Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DomicileError } from '@domicile/protocol';
import {
  auditRowHash,
  auditRowJsonAroundSeq,
  jsonColumn,
  sqlDialectOf,
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

async function appendToChain(trx: Kysely<Database>, entry: AuditEntry): Promise<AppendedAudit> {
  const encoded = auditDetailColumn.encode(entry.detail ?? {});
  const appended =
    sqlDialectOf(trx) === 'postgres'
      ? await appendInOneStatement(trx, entry, encoded)
      : await appendInSteps(trx, entry, encoded);
  if (appended === undefined)
    throw new DomicileError('AUDIT_UNAVAILABLE', {
      details: { action: entry.action, reason: 'no chain head' },
    });
  return appended;
}

/** The row's columns but `seq`, `prev_hash` and `hash`, which the chain's head decides. */
function contentOf(entry: AuditEntry, encoded: string) {
  const { at, actor, action, subject } = entry;
  return { at, actor, action, subject, detail: encoded };
}

/**
 * SQLite: the head row is updated first (the write lock makes appends queue there), the row
 * hashed here, then written with the head's new hash.
 */
async function appendInSteps(
  trx: Kysely<Database>,
  entry: AuditEntry,
  encoded: string,
): Promise<AppendedAudit | undefined> {
  const head = await trx
    .updateTable('audit_chain_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('chain', '=', AUDIT_CHAIN)
    .returning(['seq', 'hash'])
    .executeTakeFirst();
  if (head === undefined) return undefined;
  const { seq, hash: prevHash } = head;
  const content = contentOf(entry, encoded);
  const hash = auditRowHash(prevHash, { ...content, seq, detail: JSON.parse(encoded) as unknown });
  await trx
    .insertInto('audit_log')
    .values({ ...content, seq, prev_hash: prevHash, hash })
    .execute();
  await trx
    .updateTable('audit_chain_head')
    .set({ hash })
    .where('chain', '=', AUDIT_CHAIN)
    .execute();
  return { seq, hash };
}

/**
 * PostgreSQL: one statement (one round trip, where the steps took two). `for update` takes the
 * head's row lock until the transaction ends, so appends from every node of the region queue
 * there and the chain never forks; under READ COMMITTED it waits for the previous holder and then
 * reads its commit. The database hashes the row as {@link auditRowHash} does, from the canonical
 * JSON cut around the `seq` it draws (`auditRowJsonAroundSeq`).
 */
async function appendInOneStatement(
  trx: Kysely<Database>,
  entry: AuditEntry,
  encoded: string,
): Promise<AppendedAudit | undefined> {
  const content = contentOf(entry, encoded);
  const { before, after } = auditRowJsonAroundSeq({
    ...content,
    detail: JSON.parse(encoded) as unknown,
  });
  const result = await sql<AppendedAudit>`with head as (
      select seq + 1 as seq, hash as prev_hash from audit_chain_head
      where chain = ${AUDIT_CHAIN} for update
    ), hashed as (
      select seq, prev_hash, encode(sha256(decode(prev_hash, 'hex')
        || convert_to(${before}::text || seq::text || ${after}::text, 'UTF8')), 'hex') as hash
      from head
    ), appended as (
      insert into audit_log (at, actor, action, subject, detail, seq, prev_hash, hash)
      select ${content.at}, ${content.actor}, ${content.action}, ${content.subject},
        ${content.detail}, seq, prev_hash, hash
      from hashed
      returning seq, hash
    )
    update audit_chain_head set seq = appended.seq, hash = appended.hash
    from appended where chain = ${AUDIT_CHAIN}
    returning appended.seq, appended.hash`.execute(trx);
  return result.rows[0];
}
