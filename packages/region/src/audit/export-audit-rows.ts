import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';

/** Rows read per query while exporting. */
const EXPORT_BATCH_ROWS = 1_000;

/** One audit row as exported for a SIEM: one JSON object per line. */
export interface ExportedAuditRow {
  readonly region: string;
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * The chained rows of the audit log after `sinceSeq` (0: all), in chain order, read in batches so
 * that a long log streams. A SIEM that keeps the last `seq` it received resumes with it; it can
 * recompute each `hash` from `prevHash` and the rest (docs/audit.md), without the database.
 */
export async function* exportAuditRows(
  db: Kysely<Database>,
  options: { readonly region: string; readonly sinceSeq?: number },
): AsyncGenerator<ExportedAuditRow> {
  let after = options.sinceSeq ?? 0;
  for (;;) {
    const batch = await db
      .selectFrom('audit_log')
      .select(['seq', 'at', 'actor', 'action', 'subject', 'detail', 'prev_hash', 'hash'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(EXPORT_BATCH_ROWS)
      .execute();
    for (const row of batch) {
      const seq = row.seq ?? 0;
      yield {
        region: options.region,
        seq,
        at: row.at,
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        detail: parseDetail(row.detail),
        prevHash: row.prev_hash ?? '',
        hash: row.hash ?? '',
      };
      after = seq;
    }
    if (batch.length < EXPORT_BATCH_ROWS) return;
  }
}

/** A `detail` that is not JSON is exported as its text: the export shows what is there. */
function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
