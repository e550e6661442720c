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

/**
 * An audit row's canonical JSON (as {@link auditRowHash} hashes it) cut around its `seq`, for a
 * statement that numbers the row and hashes it in the database: the row's JSON is `before`, the
 * decimal `seq`, then `after` (RFC 8785 orders the members action, actor, at, detail, seq,
 * subject, and writes an integer in decimal). PostgreSQL appends a row so in one round trip.
 */
export function auditRowJsonAroundSeq(content: Omit<AuditRowContent, 'seq'>): {
  readonly before: string;
  readonly after: string;
} {
  const { at, actor, action, subject, detail } = content;
  const head = canonicalJson({ action, actor, at, detail });
  return {
    before: `${head.slice(0, -1)},"seq":`,
    after: `,"subject":${canonicalJson(subject)}}`,
  };
}
