import type { Kysely } from 'kysely';
import {
  peekHeader,
  toPublicJwk,
  verifyJson,
  type Directory,
  type PublicJwk,
} from '@domicile/protocol';
import { AUDIT_GENESIS_HASH, auditRowHash, type Database } from '../storage/index.js';
import { AUDIT_CHECKPOINT_TYP, type AuditCheckpointClaims } from './audit-checkpoints.js';
import { AUDIT_CHAIN } from './audit-log.js';

/** Rows read per query while the chain is walked. */
const VERIFY_BATCH_ROWS = 1_000;

/**
 * How the audit log fails verification, in the order a row is checked:
 * - `unchained`: a row without a place in the chain (inserted around `appendAudit`);
 * - `row_missing`: the chain jumps over `seq` (a row deleted);
 * - `seq_repeated`: two rows claim one `seq` (a row inserted beside another);
 * - `prev_hash_mismatch`: the row does not carry the previous row's hash (a row before it, or
 *   this one, was replaced or reordered);
 * - `detail_unreadable`: its `detail` is not JSON;
 * - `hash_mismatch`: its content does not hash to its `hash` (the row was edited);
 * - `head_mismatch`: the chain ends elsewhere than the head row says (rows deleted at the end);
 * - `checkpoint_key_unknown`: a checkpoint signed by a key the directory does not list for the region;
 * - `checkpoint_signature_invalid`: a checkpoint whose JWS does not verify;
 * - `checkpoint_mismatch`: a valid checkpoint whose head differs from the chain's row at its `seq`,
 *   or whose stored columns differ from what it signed.
 */
export type AuditChainFailureReason =
  | 'unchained'
  | 'row_missing'
  | 'seq_repeated'
  | 'prev_hash_mismatch'
  | 'detail_unreadable'
  | 'hash_mismatch'
  | 'head_mismatch'
  | 'checkpoint_key_unknown'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_mismatch';

/** The first place the audit log fails verification. */
export interface AuditChainFailure {
  readonly reason: AuditChainFailureReason;
  /** The chain position that fails: a row's `seq`, or for a checkpoint the `seq` it covers. */
  readonly seq: number;
  /** The database id of the failing row, when there is one. */
  readonly id?: number;
  /** True when the failure is a checkpoint's, not a row's. */
  readonly checkpoint?: true;
}

/** What {@link verifyAuditChain} found. */
export interface AuditChainStatus {
  /** True when every row and every checkpoint verify. */
  readonly ok: boolean;
  /** Rows in the audit log. */
  readonly rows: number;
  /** Checkpoints, and how many of them verified. */
  readonly checkpoints: number;
  readonly checkpointsVerified: number;
  /** The last verified checkpoint: the point up to which the chain is vouched for by a signature. */
  readonly lastCheckpoint?: { readonly seq: number; readonly at: string };
  /** Rows after the last verified checkpoint: chained, not yet signed. */
  readonly unsignedRows: number;
  readonly firstFailure?: AuditChainFailure;
}

/** What {@link verifyAuditChain} reads. */
export interface VerifyAuditChainOptions {
  readonly db: Kysely<Database>;
  readonly region: string;
  /**
   * Every signing key the directory lists for the region, old ones too: a checkpoint is resolved
   * by the `kid` in its header. {@link auditSigningKeysOf} gives them from a verified directory.
   */
  readonly signingKeys: readonly PublicJwk[];
}

/** The region's signing keys in a verified directory, for {@link verifyAuditChain}. */
export function auditSigningKeysOf(directory: Directory, region: string): PublicJwk[] {
  // Every signing key the directory lists, expired ones too: a checkpoint signed before its key
  // was retired still proves what the chain was then.
  return directory.keys(region, 'signing').map((key) => toPublicJwk(key));
}

/**
 * Verifies a region's audit log: walks the chain from the genesis, recomputing every row's hash,
 * compares its end with the head row, and checks every checkpoint's signature and that it signed
 * the chain's hash at its `seq`. Returns the first failure in chain order; never throws for a
 * tampered log (only when the database cannot be read).
 */
export async function verifyAuditChain(
  options: VerifyAuditChainOptions,
): Promise<AuditChainStatus> {
  const { db } = options;
  const checkpoints = await db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
  const wanted = new Set(checkpoints.map((c) => c.seq));
  const walk = await walkChain(db, wanted);
  const failures: AuditChainFailure[] = walk.failure === undefined ? [] : [walk.failure];

  const unchained = await db
    .selectFrom('audit_log')
    .select('id')
    .where('seq', 'is', null)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (unchained !== undefined) {
    // Placed where its id puts it: just before the first chained row written after it.
    const next = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.min('seq').as('seq'))
      .where('id', '>', unchained.id)
      .where('seq', 'is not', null)
      .executeTakeFirst();
    failures.push({ reason: 'unchained', seq: next?.seq ?? walk.rows + 1, id: unchained.id });
  }

  let verified = 0;
  let lastCheckpoint: AuditChainStatus['lastCheckpoint'];
  for (const checkpoint of checkpoints) {
    const problem = await checkCheckpoint(options, checkpoint, walk);
    if (problem !== undefined) {
      failures.push(problem);
      continue;
    }
    verified += 1;
    lastCheckpoint = { seq: checkpoint.seq, at: checkpoint.at };
  }

  const rows = Number(
    (
      await db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const firstFailure = failures.sort(
    (a, b) => a.seq - b.seq || Number(a.checkpoint ?? false) - Number(b.checkpoint ?? false),
  )[0];
  return {
    ok: firstFailure === undefined,
    rows,
    checkpoints: checkpoints.length,
    checkpointsVerified: verified,
    ...(lastCheckpoint === undefined ? {} : { lastCheckpoint }),
    unsignedRows: Math.max(0, walk.rows - (lastCheckpoint?.seq ?? 0)),
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

interface ChainWalk {
  /** Chained rows walked until the first failure (all of them when none). */
  readonly rows: number;
  /** The recomputed hash at each wanted `seq` reached before the first failure. */
  readonly hashAt: ReadonlyMap<number, string>;
  /** The last `seq` whose hash is known good: checkpoints beyond it cannot be compared. */
  readonly goodUntil: number;
  readonly failure?: AuditChainFailure;
}

async function walkChain(db: Kysely<Database>, wanted: ReadonlySet<number>): Promise<ChainWalk> {
  const hashAt = new Map<number, string>();
  let expected = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let after = 0;
  let rows = 0;
  const stop = (failure: AuditChainFailure): ChainWalk => ({
    rows,
    hashAt,
    goodUntil: expected - 1,
    failure,
  });
  for (;;) {
    const batch = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', 'is not', null)
      .where('seq', '>=', after)
      .orderBy('seq')
      .orderBy('id')
      .limit(VERIFY_BATCH_ROWS + 1)
      .execute();
    // The row at `after` was walked already; it is read again only to see a repeated `seq`.
    const fresh = after === 0 ? batch : batch.slice(1);
    for (const row of fresh) {
      const seq = row.seq ?? 0;
      if (seq < expected) return stop({ reason: 'seq_repeated', seq, id: row.id });
      if (seq > expected) return stop({ reason: 'row_missing', seq: expected, id: row.id });
      if (row.prev_hash !== prevHash)
        return stop({ reason: 'prev_hash_mismatch', seq, id: row.id });
      let detail: unknown;
      try {
        detail = JSON.parse(row.detail);
      } catch {
        return stop({ reason: 'detail_unreadable', seq, id: row.id });
      }
      const hash = auditRowHash(prevHash, { ...row, seq, detail });
      if (hash !== row.hash) return stop({ reason: 'hash_mismatch', seq, id: row.id });
      if (wanted.has(seq)) hashAt.set(seq, hash);
      prevHash = hash;
      expected += 1;
      rows += 1;
      after = seq;
    }
    if (batch.length <= VERIFY_BATCH_ROWS) break;
  }
  const head = await db
    .selectFrom('audit_chain_head')
    .select(['seq', 'hash'])
    .where('chain', '=', AUDIT_CHAIN)
    .executeTakeFirst();
  if (head === undefined || head.seq !== rows || head.hash !== prevHash)
    return { rows, hashAt, goodUntil: rows, failure: { reason: 'head_mismatch', seq: rows + 1 } };
  return { rows, hashAt, goodUntil: rows };
}

async function checkCheckpoint(
  options: VerifyAuditChainOptions,
  checkpoint: { seq: number; head_hash: string; at: string; kid: string; jws: string },
  walk: ChainWalk,
): Promise<AuditChainFailure | undefined> {
  const failed = (reason: AuditChainFailureReason): AuditChainFailure => ({
    reason,
    seq: checkpoint.seq,
    checkpoint: true,
  });
  const kid = peekHeader(checkpoint.jws)?.kid;
  const key = options.signingKeys.find((k) => k.kid === kid);
  if (key === undefined) return failed('checkpoint_key_unknown');
  let claims: AuditCheckpointClaims;
  try {
    claims = (await verifyJson(checkpoint.jws, key, AUDIT_CHECKPOINT_TYP)) as AuditCheckpointClaims;
  } catch {
    return failed('checkpoint_signature_invalid');
  }
  const asStored =
    claims.region === options.region &&
    claims.seq === checkpoint.seq &&
    claims.rows === claims.seq &&
    claims.headHash === checkpoint.head_hash &&
    claims.at === checkpoint.at &&
    kid === checkpoint.kid;
  if (!asStored) return failed('checkpoint_mismatch');
  if (claims.seq > walk.goodUntil) {
    // Beyond the first broken row the chain's hashes are unknown: that row is the failure to report.
    if (walk.failure !== undefined) return undefined;
    // A signed head past the chain's end: rows were deleted at the end (and the head row rewritten).
    return { reason: 'row_missing', seq: walk.rows + 1 };
  }
  return walk.hashAt.get(claims.seq) === claims.headHash
    ? undefined
    : failed('checkpoint_mismatch');
}
