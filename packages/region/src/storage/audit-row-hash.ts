import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * The `prev_hash` of the first row of a region's audit chain: 32 zero bytes. Rows written before
 * the chain existed were chained by the migration that added it, from this same genesis.
 */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** What an audit row's hash covers: every column but the database's own `id`. */
export interface AuditRowContent {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  /** The parsed `detail` column: the hash is over its content, not its spelling. */
  readonly detail: unknown;
}

/**
 * An audit row's hash, lowercase hex: SHA-256 over the previous row's hash (its 32 bytes) followed
 * by the UTF-8 bytes of the row's content as RFC 8785 canonical JSON. Changing a row changes its
 * hash, and so the `prev_hash` every later row must carry: the chain cannot be edited in the
 * middle without rewriting everything after it, which a signed checkpoint then contradicts.
 */
export function auditRowHash(prevHash: string, content: AuditRowContent): string {
  const { seq, at, actor, action, subject, detail } = content;
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalJson({ seq, at, actor, action, subject, detail }), 'utf8')
    .digest('hex');
}
