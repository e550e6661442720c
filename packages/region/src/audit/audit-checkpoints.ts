import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { JwsSigner } from '../keys/index.js';
import type { Database } from '../storage/index.js';
import { PolledWorker } from '../workers/index.js';
import { AUDIT_CHAIN } from './audit-log.js';

/** The `typ` of a checkpoint's JWS. */
export const AUDIT_CHECKPOINT_TYP = 'domicile-audit-checkpoint+jws';

/** What a checkpoint's JWS vouches for: the chain of `region` had `rows` rows ending in `headHash`. */
export interface AuditCheckpointClaims {
  readonly region: string;
  /** The `seq` of the head row; the chain starts at 1, so it is also the number of rows. */
  readonly seq: number;
  readonly rows: number;
  readonly headHash: string;
  /** When it was signed, ISO-8601 UTC. */
  readonly at: string;
}

/** When the region signs a checkpoint: after this many new rows, or this long after the last one. */
export interface AuditCheckpointPolicy {
  readonly everyRows: number;
  readonly everyMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: AuditCheckpointPolicy = {
  everyRows: 1_000,
  everyMs: 5 * 60_000,
};

/** What {@link signCheckpointIfDue} needs. */
export interface CheckpointOptions {
  readonly db: Kysely<Database>;
  readonly region: string;
  /** The region's signing key (`RegionKeyring.signing`): the key the directory lists for it. */
  readonly signer: JwsSigner;
  readonly policy: AuditCheckpointPolicy;
  readonly now: () => Date;
}

/**
 * Signs a checkpoint of the chain's head if the policy says one is due and the head moved since
 * the last: returns its claims, or undefined. Reads the committed head (its `seq` and `hash`
 * change in one transaction), signs outside any transaction (an HSM may be slow), and inserts
 * by `seq`, so two nodes that checkpoint the same head store it once.
 */
export async function signCheckpointIfDue(
  options: CheckpointOptions,
): Promise<AuditCheckpointClaims | undefined> {
  const { db, policy } = options;
  const head = await db
    .selectFrom('audit_chain_head')
    .select(['seq', 'hash'])
    .where('chain', '=', AUDIT_CHAIN)
    .executeTakeFirst();
  if (head === undefined || head.seq === 0) return undefined;
  const last = await db
    .selectFrom('audit_checkpoints')
    .select(['seq', 'at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const now = options.now();
  if (last !== undefined) {
    if (head.seq <= last.seq) return undefined;
    const dueByRows = head.seq - last.seq >= policy.everyRows;
    const dueByTime = now.getTime() - Date.parse(last.at) >= policy.everyMs;
    if (!dueByRows && !dueByTime) return undefined;
  }
  return signCheckpoint(options, { seq: head.seq, hash: head.hash }, now);
}

/** Signs and stores a checkpoint of the given head, whatever the policy. */
export async function signCheckpoint(
  options: Pick<CheckpointOptions, 'db' | 'region' | 'signer'>,
  head: { readonly seq: number; readonly hash: string },
  now: Date,
): Promise<AuditCheckpointClaims> {
  const claims: AuditCheckpointClaims = {
    region: options.region,
    seq: head.seq,
    rows: head.seq,
    headHash: head.hash,
    at: now.toISOString(),
  };
  const jws = await options.signer.sign(claims, AUDIT_CHECKPOINT_TYP);
  await options.db
    .insertInto('audit_checkpoints')
    .values({
      seq: claims.seq,
      head_hash: claims.headHash,
      at: claims.at,
      kid: options.signer.kid,
      jws,
    })
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
  return claims;
}

/** How often the worker looks at the head: the row trigger is only as prompt as this. */
const CHECKPOINT_POLL_MS = 5_000;

/**
 * Signs checkpoints in the background on every node of the region: each looks at the shared head
 * and checkpoint tables, so a region of many nodes signs about as often as one.
 */
export class AuditCheckpointWorker extends PolledWorker {
  readonly #options: CheckpointOptions;

  constructor(options: CheckpointOptions & { readonly logger: Logger; readonly pollMs?: number }) {
    super({
      intervalMs: Math.min(options.pollMs ?? CHECKPOINT_POLL_MS, options.policy.everyMs),
      onError: (error) => options.logger.warn({ err: error }, 'audit checkpoint failed'),
    });
    this.#options = options;
  }

  /** Signs a checkpoint of the head if it moved since the last one: at shutdown, so no row is left unsigned. */
  async flush(): Promise<void> {
    await signCheckpointIfDue({ ...this.#options, policy: { everyRows: 1, everyMs: 0 } });
  }

  protected async runBatch(): Promise<boolean> {
    await signCheckpointIfDue(this.#options);
    return false;
  }
}
