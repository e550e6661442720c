import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';
import { appendAudit, type AppendedAudit } from './audit-log.js';

/** A key rotation, as the audit log records it: never the key, only which one. */
export interface KeyRotation {
  /** `signing`, `encryption`, `tsm`, `kek`, ... */
  readonly purpose: string;
  /** The new key's id (its `kid`, or the KEK's id). */
  readonly kid: string;
  /** The key it replaces, when there was one. */
  readonly previousKid?: string;
  /** Who rotated it: `operator:<name>` from the CLI, `system` for a scheduled rotation. */
  readonly actor: string;
  readonly at: Date;
}

/**
 * Appends a `key.rotated` row to a region's audit chain, in a transaction of its own (or in the
 * caller's, to commit it with the rotation's own writes). For `domicile keys rotate` given the
 * region's database: open it (`openDatabase`, which migrates), call this, close it.
 */
export function recordKeyRotation(
  db: Kysely<Database>,
  rotation: KeyRotation,
): Promise<AppendedAudit> {
  return appendAudit(db, {
    at: rotation.at.toISOString(),
    actor: rotation.actor,
    action: 'key.rotated',
    subject: rotation.kid,
    detail: {
      purpose: rotation.purpose,
      ...(rotation.previousKid === undefined ? {} : { previousKid: rotation.previousKid }),
    },
  });
}
