import { userInfo } from 'node:os';
import { openDatabase, recordKeyRotation } from '@domicile/region';

/** A rotation as `keys rotate` records it in the region's audit chain: ids, never material. */
export interface RotationRecord {
  readonly purpose: string;
  readonly kid: string;
  readonly previousKid?: string | undefined;
}

/**
 * Appends the rotation's `key.rotated` row to the audit chain of the region's database
 * (`keys rotate --db URL`). Called before the key file changes: a rotation whose row cannot be
 * written fails and leaves the file as it was (an HSM key already made stays unused).
 */
export async function recordRotation(
  databaseUrl: string,
  rotation: RotationRecord,
  at: Date,
): Promise<void> {
  const db = await openDatabase(databaseUrl);
  try {
    await recordKeyRotation(db, {
      purpose: rotation.purpose,
      kid: rotation.kid,
      ...(rotation.previousKid === undefined ? {} : { previousKid: rotation.previousKid }),
      actor: `operator:${operatorName()}`,
      at,
    });
  } finally {
    await db.destroy();
  }
}

/** Who runs the CLI, as the operating system names them. */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry has no name to give.
    return 'unknown';
  }
}
