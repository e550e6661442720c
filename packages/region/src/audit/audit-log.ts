import { sql, type DialectAdapter, type Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DomicileError } from '@domicile/protocol';
import {
  auditRowHash,
  auditRowJsonAroundSeq,
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
  const [appended] = await appendAuditEntries(trx, [entry]);
  // One entry in, one out: appendAuditEntries throws rather than return fewer.
  return appended as AppendedAudit;
}

/**
 * Appends the entries of one change, in order, as {@link appendAudit} would one after another.
 * On SQLite they take one turn of the chain head: one update draws all their sequence numbers,
 * one insert writes their rows, one update sets the head's hash (a redirected device's arrival and
 * its session: three statements instead of six). On PostgreSQL each entry is one statement anyway.
 */
export async function appendAuditEntries(
  trx: Kysely<Database>,
  entries: readonly AuditEntry[],
): Promise<AppendedAudit[]> {
  const [first, ...rest] = entries;
  if (first === undefined) return [];
  if (!trx.isTransaction)
    return trx.transaction().execute((own) => appendAuditEntries(own, entries));
  try {
    const appended: AppendedAudit[] = [];
    if (dialectOf(trx) === 'postgres') {
      for (const entry of entries) appended.push(await appendInOneStatement(trx, entry));
    } else {
      appended.push(...(await appendInOneTurn(trx, [first, ...rest])));
    }
    return appended;
  } catch (cause) {
    if (cause instanceof DomicileError) throw cause;
    // Whatever the database said, the caller's transaction must not commit without its rows.
    throw new DomicileError('AUDIT_UNAVAILABLE', { details: { action: first.action }, cause });
  }
}

const noChainHead = (entry: AuditEntry): DomicileError =>
  new DomicileError('AUDIT_UNAVAILABLE', {
    details: { action: entry.action, reason: 'no chain head' },
  });

/** An entry's row, but `seq`, `prev_hash` and `hash`, which the chain's head decides. */
function contentOf(entry: AuditEntry) {
  const { at, actor, action, subject } = entry;
  return { at, actor, action, subject, detail: auditDetailColumn.encode(entry.detail ?? {}) };
}

/** Takes the next `n` sequence numbers and reads the previous hash. */
const advanceHead = precompiled(1, (db, n: number) =>
  db
    .updateTable('audit_chain_head')
    .set((eb) => ({ seq: eb('seq', '+', n) }))
    .where('chain', '=', AUDIT_CHAIN)
    .returning(['seq', 'hash']),
);

/** Moves the head to its new place, if it is still where the caller expects it. */
const moveHeadFrom = precompiled(
  4,
  (db, seq: number, hash: string, fromSeq: number, fromHash: string) =>
    db
      .updateTable('audit_chain_head')
      .set({ seq, hash })
      .where('chain', '=', AUDIT_CHAIN)
      .where('seq', '=', fromSeq)
      .where('hash', '=', fromHash),
);

type AuditRow = [string, string, string, string, string, number, string, string];
const insertRow = precompiled(8, (db, ...row: AuditRow) => {
  const [at, actor, action, subject, detail, seq, prev_hash, hash] = row;
  return db
    .insertInto('audit_log')
    .values({ at, actor, action, subject, detail, seq, prev_hash, hash });
});

const setHeadHash = precompiled(1, (db, hash: string) =>
  db.updateTable('audit_chain_head').set({ hash }).where('chain', '=', AUDIT_CHAIN),
);

/**
 * Where this process's last append on a SQLite database left the head, by database: where the
 * next append expects it. Only a guess: the transaction of that append may have rolled back,
 * another process may have appended since; {@link moveHeadFrom} checks it.
 */
const expectedHeads = new WeakMap<DialectAdapter, AppendedAudit>();

/**
 * SQLite: the head row is updated first (the write lock makes appends queue there), the rows
 * hashed here, then written. Statements compiled once: this runs in nearly every write.
 *
 * Two statements when the head is where this process's last append left it (nearly always: one
 * region process serves the file): the rows are chained after that head, and one conditional
 * update moves the head to the last of them only if it still holds that `seq` and `hash`, so a
 * rolled-back append or another process's cannot fork the chain. Otherwise three: one update
 * draws the numbers and reads the previous hash, the rows are written, one sets the head's hash.
 */
async function appendInOneTurn(
  trx: Kysely<Database>,
  entries: readonly [AuditEntry, ...AuditEntry[]],
): Promise<AppendedAudit[]> {
  const database = trx.getExecutor().adapter;
  const expected = expectedHeads.get(database);
  if (expected !== undefined) {
    const rows = chained(expected, entries);
    const last = lastOf(rows);
    const moved = await moveHeadFrom.execute(trx, last.seq, last.hash, expected.seq, expected.hash);
    if (moved.numAffectedRows === 1n) return written(trx, rows, database);
  }
  const [head] = (await advanceHead.execute(trx, entries.length)).rows;
  if (head === undefined) throw noChainHead(entries[0]);
  // The head now holds the last entry's number: the first one's is just after the previous head.
  const rows = chained({ seq: head.seq - entries.length, hash: head.hash }, entries);
  await setHeadHash.execute(trx, lastOf(rows).hash);
  return written(trx, rows, database);
}

/** The rows of `entries`, numbered and hashed after `head`. */
function chained(head: AppendedAudit, entries: readonly [AuditEntry, ...AuditEntry[]]) {
  let { seq, hash: prevHash } = head;
  const rows = entries.map((entry) => {
    seq += 1;
    const content = contentOf(entry);
    const hash = auditRowHash(prevHash, {
      ...content,
      seq,
      detail: JSON.parse(content.detail) as unknown,
    });
    const row = { ...content, seq, prev_hash: prevHash, hash };
    prevHash = hash;
    return row;
  });
  return rows as [(typeof rows)[number], ...typeof rows];
}

function lastOf<Row>(rows: readonly [Row, ...Row[]]): Row {
  return rows[rows.length - 1] as Row;
}

/** Inserts the chained rows and remembers where they leave the head. */
async function written(
  trx: Kysely<Database>,
  rows: ReturnType<typeof chained>,
  database: DialectAdapter,
): Promise<AppendedAudit[]> {
  const [only] = rows;
  if (rows.length === 1) {
    const { at, actor, action, subject, detail, prev_hash, hash } = only;
    await insertRow.execute(trx, at, actor, action, subject, detail, only.seq, prev_hash, hash);
  } else {
    await trx.insertInto('audit_log').values(rows).execute();
  }
  const { seq, hash } = lastOf(rows);
  expectedHeads.set(database, { seq, hash });
  return rows.map((row) => ({ seq: row.seq, hash: row.hash }));
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
): Promise<AppendedAudit> {
  const content = contentOf(entry);
  const { before, after } = auditRowJsonAroundSeq({
    ...content,
    detail: JSON.parse(content.detail) as unknown,
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
  const [appended] = result.rows;
  if (appended === undefined) throw noChainHead(entry);
  return appended;
}
