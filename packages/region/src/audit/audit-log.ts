import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { jsonColumn, type Database } from '../storage/index.js';

/** An entry's detail: a JSON object. */
export const auditDetailColumn = jsonColumn(
  'audit_log.detail',
  Type.Record(Type.String(), Type.Unknown()),
);

/** One security-relevant action. `detail` must hold no card data, code, key or token. */
export interface AuditEntry {
  /** ISO-8601 UTC. */
  readonly at: string;
  /** Who acted: `device:<id>`, `issuer:<id>`, `operator:<id>`, `region:<id>`, `system`. */
  readonly actor: string;
  /** What happened, `noun.verb`: `credential.tokenized`, `device.reported_lost`. */
  readonly action: string;
  /** What it happened to: a token reference, a session, account or device id. */
  readonly subject: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * Appends to the region's audit log: the one way every caller writes it. Pass the transaction
 * that makes the change, so the entry exists exactly when the change does.
 */
export async function appendAudit(trx: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      detail: auditDetailColumn.encode(entry.detail ?? {}),
    })
    .execute();
}
