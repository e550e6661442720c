import { toPublicJwk, type Directory, type KeyRole, type PublicJwk } from '@domicile/protocol';

/**
 * The directory's public key of `region` for `role` with this `kid`, or undefined when it lists
 * none. The one place the residency report looks keys up in the directory: by `kid`, so a
 * directory listing several keys per region and purpose resolves the one that signed.
 */
export function directoryKeyByKid(
  directory: Directory,
  region: string,
  role: KeyRole,
  kid: string,
): PublicJwk | undefined {
  // Listed at all, expired or not: a report signed before its key was retired still verifies.
  const listed = directory.keys(region, role).find((key) => key.kid === kid);
  return listed === undefined ? undefined : toPublicJwk(listed);
}
